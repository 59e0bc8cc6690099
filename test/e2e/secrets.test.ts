// The secrets API end to end: a secretstores.local.file store read through
// the official SDK (HTTP and gRPC), scoped by the Configuration's
// secrets.scopes (a denied secret answers 403 and its value appears nowhere
// the sidecar writes: logs, metrics, metadata API), a state.redis component
// whose redisHost comes from the file through secretKeyRef, and bad input.
import { CommunicationProtocolEnum, DaprClient } from "@dapr/dapr";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, waitExit, type SidecarProcess } from "../support/sidecar-process.js";
import { services, uniqueName } from "../support/services.js";

const quiet = { level: 0 as never };
const deniedValue = `TOPSECRET-${Math.random().toString(36).slice(2)}`;
const allowedValue = `visible-${Math.random().toString(36).slice(2)}`;

function resources(): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-secrets-"));
  const secretsFile = path.join(dir, "secrets.json");
  writeFileSync(secretsFile, JSON.stringify({
    "db-password": allowedValue,
    "denied-secret": deniedValue,
    "redis-host": `${services.redis.host}:${services.redis.port}`,
    nested: { inner: "nested-value" },
  }));
  writeFileSync(path.join(dir, "secretstore.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: localsecretstore
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: ${secretsFile}
`);
  writeFileSync(path.join(dir, "statestore.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: securestate
spec:
  type: state.redis
  version: v1
  metadata:
    - name: redisHost
      secretKeyRef:
        name: redis-host
        key: redis-host
auth:
  secretStore: localsecretstore
`);
  const config = path.join(dir, "config.yaml");
  writeFileSync(config, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: secretsconfig
spec:
  secrets:
    scopes:
      - storeName: localsecretstore
        defaultAccess: allow
        deniedSecrets: ["denied-secret"]
`);
  return { dir, config };
}

describe("secrets API", () => {
  let sidecar: SidecarProcess;
  const clients: Record<string, DaprClient> = {};

  beforeAll(async () => {
    const r = resources();
    // Debug logging: the strictest setting for "the value never reaches the logs".
    sidecar = await startSidecar({ appId: uniqueName("secrets"), resourcesPaths: [r.dir], args: ["--config", r.config, "--log-level", "debug"] });
    clients.HTTP = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), communicationProtocol: CommunicationProtocolEnum.HTTP, logger: quiet });
    clients.gRPC = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.grpcPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: quiet });
  }, 60_000);
  afterAll(async () => {
    await clients.gRPC?.stop().catch(() => {});
    await sidecar?.stop();
  });

  for (const label of ["HTTP", "gRPC"]) {
    it(`reads a secret and the allowed bulk through the SDK over ${label}`, async () => {
      const c = clients[label]!;
      expect(await c.secret.get("localsecretstore", "db-password")).toEqual({ "db-password": allowedValue });
      expect(await c.secret.get("localsecretstore", "nested:inner")).toEqual({ "nested:inner": "nested-value" });
      const bulk = (await c.secret.getBulk("localsecretstore")) as Record<string, Record<string, string>>;
      expect(bulk["db-password"]).toEqual({ "db-password": allowedValue });
      // Bulk leaves denied secrets out instead of failing.
      expect(bulk).not.toHaveProperty("denied-secret");
      expect(JSON.stringify(bulk)).not.toContain(deniedValue);
    });
  }

  it("denies a scoped-out secret with 403 over HTTP and PERMISSION_DENIED over gRPC", async () => {
    const r = await sidecar.http("/v1.0/secrets/localsecretstore/denied-secret");
    expect(r.status).toBe(403);
    const body = await r.json();
    expect(body).toMatchObject({ errorCode: "ERR_PERMISSION_DENIED" });
    expect(JSON.stringify(body)).not.toContain(deniedValue);
    await expect(clients.gRPC!.secret.get("localsecretstore", "denied-secret")).rejects.toThrow(/access denied by policy/);
  });

  it("answers Dapr's codes for an unknown store or secret", async () => {
    const unknownStore = await sidecar.http("/v1.0/secrets/nostore/db-password");
    expect(unknownStore.status).toBe(401);
    expect(await unknownStore.json()).toMatchObject({ errorCode: "ERR_SECRET_STORE_NOT_FOUND" });
    const unknownBulk = await sidecar.http("/v1.0/secrets/nostore/bulk");
    expect(unknownBulk.status).toBe(401);
    const unknownSecret = await sidecar.http("/v1.0/secrets/localsecretstore/nope");
    expect(unknownSecret.status).toBe(500);
    expect(await unknownSecret.json()).toMatchObject({ errorCode: "ERR_SECRET_GET" });
    await expect(clients.gRPC!.secret.get("nostore", "x")).rejects.toThrow(/failed finding secret store with key nostore/);
  });

  it("resolves a component's secretKeyRef through the store (state.redis on the host from the file)", async () => {
    const key = uniqueName("k");
    await clients.HTTP!.state.save("securestate", [{ key, value: { ok: true } }]);
    expect(await clients.gRPC!.state.get("securestate", key)).toEqual({ ok: true });
  });

  it("keeps the denied value out of logs, metrics and the metadata API", async () => {
    await sidecar.http("/v1.0/secrets/localsecretstore/denied-secret");
    const metadata = await (await sidecar.http("/v1.0/metadata")).text();
    const metrics = await (await fetch(`http://127.0.0.1:${sidecar.metricsPort}/metrics`)).text();
    expect(metrics).toContain("dapr_component_secret_count");
    for (const text of [sidecar.logs(), metadata, metrics]) {
      expect(text).not.toContain(deniedValue);
      expect(text).not.toContain(allowedValue);
    }
  });
});

describe("secrets file that is not valid JSON", () => {
  it("fails the component with an error naming the file, and the sidecar exits", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-badsecrets-"));
    const file = path.join(dir, "broken-secrets.json");
    writeFileSync(file, "{ this is not json");
    writeFileSync(path.join(dir, "secretstore.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: brokenstore
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: ${file}
`);
    const sc = await startSidecar({ appId: uniqueName("badsecrets"), resourcesPaths: [dir], waitReady: false });
    const code = await waitExit(sc, 30_000);
    expect(code).not.toBe(0);
    expect(sc.logs()).toContain("broken-secrets.json");
    expect(sc.logs()).toContain("brokenstore");
  }, 40_000);
});
