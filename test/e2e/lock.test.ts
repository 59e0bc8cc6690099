// The distributed lock API end to end: two sidecars of one app share a
// lock.redis store and contend for one resource 1,000 times (the official
// SDK drives one over HTTP, the other over gRPC); expired locks are taken
// over; bad input answers Dapr's codes.
import { CommunicationProtocolEnum, DaprClient } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { redisComponentDir } from "../support/resources.js";

const quiet = { level: 0 as never };
// The SDK's LockStatus enum values (not exported from the package root).
const LockStatus = { Success: 0, LockDoesNotExist: 1, LockBelongsToOthers: 2 } as const;

describe("lock API across two sidecars", () => {
  let a: SidecarProcess;
  let b: SidecarProcess;
  let viaHttp: DaprClient;
  let viaGrpc: DaprClient;
  const appId = uniqueName("lockapp");

  beforeAll(async () => {
    const res = redisComponentDir("lockstore", "lock.redis");
    // Two replicas of one app: the default keyPrefix (appid) makes them share lock keys.
    a = await startSidecar({ appId, resourcesPaths: [res] });
    b = await startSidecar({ appId, resourcesPaths: [res] });
    viaHttp = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(a.httpPort), communicationProtocol: CommunicationProtocolEnum.HTTP, logger: quiet });
    viaGrpc = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(b.grpcPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: quiet });
  }, 60_000);
  afterAll(async () => {
    await viaGrpc?.stop().catch(() => {});
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("never has two holders over 1,000 contended acquisitions", async () => {
    const resource = uniqueName("res");
    let holders = 0;
    let maxHolders = 0;
    let acquired = 0;
    const perClient: Record<string, number> = { http: 0, grpc: 0 };
    const contend = async (client: DaprClient, owner: string, label: string) => {
      while (acquired < 1000) {
        const r = await client.lock.lock("lockstore", resource, owner, 30);
        if (!r.success) {
          // A short pause keeps the loser from flooding the loaded test machine.
          await new Promise((res) => setTimeout(res, 1));
          continue;
        }
        holders++;
        maxHolders = Math.max(maxHolders, holders);
        // Hold across an event-loop turn so the other contender really runs meanwhile.
        await new Promise((res) => setImmediate(res));
        acquired++;
        perClient[label]!++;
        holders--;
        const u = await client.lock.unlock("lockstore", resource, owner);
        expect(u.status).toBe(LockStatus.Success);
      }
    };
    await Promise.all([contend(viaHttp, "owner-http", "http"), contend(viaGrpc, "owner-grpc", "grpc")]);
    expect(maxHolders).toBe(1);
    expect(acquired).toBeGreaterThanOrEqual(1000);
    // Both sidecars won the lock at times: the contention was real.
    expect(perClient.http).toBeGreaterThan(0);
    expect(perClient.grpc).toBeGreaterThan(0);
  }, 120_000);

  it("lets another owner take an expired lock, and then refuses the old owner's unlock", async () => {
    const resource = uniqueName("exp");
    expect((await viaHttp.lock.lock("lockstore", resource, "first", 1)).success).toBe(true);
    expect((await viaGrpc.lock.lock("lockstore", resource, "second", 10)).success).toBe(false);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await viaGrpc.lock.lock("lockstore", resource, "second", 10)).success).toBe(true);
    expect((await viaHttp.lock.unlock("lockstore", resource, "first")).status).toBe(LockStatus.LockBelongsToOthers);
    expect((await viaGrpc.lock.unlock("lockstore", resource, "second")).status).toBe(LockStatus.Success);
    expect((await viaGrpc.lock.unlock("lockstore", resource, "second")).status).toBe(LockStatus.LockDoesNotExist);
  });

  it("answers Dapr's codes for bad input over HTTP", async () => {
    const post = async (p: string, body: string) => {
      const r = await a.http(p, { method: "POST", headers: { "content-type": "application/json" }, body });
      return { status: r.status, body: (await r.json()) as { errorCode?: string; status?: number } };
    };
    const noOwner = await post("/v1.0-alpha1/lock/lockstore", JSON.stringify({ resourceId: "r", expiryInSeconds: 5 }));
    expect(noOwner).toMatchObject({ status: 400, body: { errorCode: "ERR_OWNER_EMPTY" } });
    const negative = await post("/v1.0-alpha1/lock/lockstore", JSON.stringify({ resourceId: "r", lockOwner: "o", expiryInSeconds: -3 }));
    expect(negative).toMatchObject({ status: 400, body: { errorCode: "ERR_EXPIRY_NOT_POSITIVE" } });
    const noResource = await post("/v1.0-alpha1/unlock/lockstore", JSON.stringify({ lockOwner: "o" }));
    expect(noResource).toMatchObject({ status: 400, body: { errorCode: "ERR_RESOURCE_ID_EMPTY" } });
    const unknown = await post("/v1.0-alpha1/lock/nostore", JSON.stringify({ resourceId: "r", lockOwner: "o", expiryInSeconds: 5 }));
    expect(unknown).toMatchObject({ status: 404, body: { errorCode: "ERR_LOCK_NOT_FOUND" } });
    const malformed = await post("/v1.0-alpha1/lock/lockstore", "{not json");
    expect(malformed).toMatchObject({ status: 400, body: { errorCode: "ERR_MALFORMED_REQUEST" } });
    const wrongType = await post("/v1.0-alpha1/lock/lockstore", JSON.stringify({ resourceId: "r", lockOwner: "o", expiryInSeconds: "soon" }));
    expect(wrongType).toMatchObject({ status: 400, body: { errorCode: "ERR_MALFORMED_REQUEST" } });
    const illegal = await post("/v1.0-alpha1/lock/lockstore", JSON.stringify({ resourceId: "a||b", lockOwner: "o", expiryInSeconds: 5 }));
    expect(illegal).toMatchObject({ status: 500, body: { errorCode: "ERR_TRY_LOCK" } });
    // The sidecar is still serving.
    expect((await viaHttp.lock.lock("lockstore", uniqueName("ok"), "o", 5)).success).toBe(true);
  });

  it("answers gRPC errors for bad input through the SDK", async () => {
    await expect(viaGrpc.lock.lock("lockstore", "r", "", 5)).rejects.toThrow(/lock owner is empty/);
    await expect(viaGrpc.lock.lock("lockstore", "r", "o", -1)).rejects.toThrow(/expiry in seconds is not positive/);
    await expect(viaGrpc.lock.lock("nostore", "r", "o", 5)).rejects.toThrow(/lock nostore is not found/);
  });
});
