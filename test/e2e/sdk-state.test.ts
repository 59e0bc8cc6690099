// The official SDK (@dapr/dapr) as the client: the state API over HTTP and
// gRPC against a real sidecar process, on the embedded SQLite default and on Redis.
import { CommunicationProtocolEnum, DaprClient } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisComponentDir } from "../support/resources.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";

const backends: { name: string; resources: () => string[] }[] = [
  { name: "sqlite (embedded default)", resources: () => [] },
  { name: "redis", resources: () => [redisComponentDir("statestore", "state.redis", { redisPassword: "", actorStateStore: "true" })] },
];
const protocols = [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC];

for (const backend of backends) {
  describe(`SDK state on ${backend.name}`, () => {
    let sidecar: SidecarProcess;
    beforeAll(async () => {
      sidecar = await startSidecar({ appId: uniqueName("sdkstate"), resourcesPaths: backend.resources() });
    });
    afterAll(async () => {
      await sidecar?.stop();
    });

    for (const protocol of protocols) {
      const label = protocol === CommunicationProtocolEnum.HTTP ? "HTTP" : "gRPC";
      describe(label, () => {
        let client: DaprClient;
        beforeAll(() => {
          client = new DaprClient({
            daprHost: "127.0.0.1",
            daprPort: String(protocol === CommunicationProtocolEnum.HTTP ? sidecar.httpPort : sidecar.grpcPort),
            communicationProtocol: protocol,
            logger: { level: 0 as never },
          });
        });
        const k = (s: string) => `${label}-${s}`;

        it("saves, gets and deletes", async () => {
          const order = { order_id: "ord-1", customer_id: "cust-1", total: 99.99 };
          expect((await client.state.save("statestore", [{ key: k("ord-1"), value: order }])).error).toBeUndefined();
          expect(await client.state.get("statestore", k("ord-1"))).toEqual(order);
          expect((await client.state.delete("statestore", k("ord-1"))).error).toBeUndefined();
          expect(await client.state.get("statestore", k("ord-1"))).toBe("");
        });

        it("bulk saves and bulk gets", async () => {
          const keys = [k("b1"), k("b2"), k("b3")];
          await client.state.save("statestore", keys.map((key, i) => ({ key, value: { i } })));
          const items = await client.state.getBulk("statestore", [...keys, k("missing")]);
          const byKey = Object.fromEntries(items.map((it: any) => [it.key, it.data]));
          expect(byKey[keys[0]!]).toEqual({ i: 0 });
          expect(byKey[keys[2]!]).toEqual({ i: 2 });
          expect(items).toHaveLength(4);
        });

        it("runs a transaction", async () => {
          await client.state.save("statestore", [{ key: k("t-del"), value: "x" }]);
          await client.state.transaction("statestore", [
            // The SDK's gRPC client sends transaction values as bytes it makes with Buffer.from.
            { operation: "upsert", request: { key: k("t-up"), value: protocol === CommunicationProtocolEnum.GRPC ? JSON.stringify({ ok: true }) : { ok: true } } },
            { operation: "delete", request: { key: k("t-del") } },
          ]);
          expect(await client.state.get("statestore", k("t-up"))).toEqual({ ok: true });
          expect(await client.state.get("statestore", k("t-del"))).toBe("");
        });

        it("rejects a write with a stale ETag and accepts the current one", async () => {
          await client.state.save("statestore", [{ key: k("etag"), value: 1 }]);
          const bulk = await client.state.getBulk("statestore", [k("etag")]);
          const etag = (bulk[0] as any).etag as string;
          expect(etag).toBeTruthy();
          const ok = await client.state.save("statestore", [{ key: k("etag"), value: 2, etag }]);
          expect(ok.error).toBeUndefined();
          // Over HTTP the SDK reports the failure in `error`; over gRPC it rejects.
          const stale = await client.state.save("statestore", [{ key: k("etag"), value: 3, etag }]).catch((error) => ({ error }));
          expect(stale.error).toBeDefined();
          expect(await client.state.get("statestore", k("etag"))).toBe(2);
        });

        it("reads the runtime metadata", async () => {
          const md = await client.metadata.get();
          expect(md.id).toBe(sidecar.appId);
          expect(md.components.map((c: any) => c.name)).toContain("statestore");
        });
      });
    }
  });
}
