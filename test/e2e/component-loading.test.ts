// How the sidecar loads Component resources from files: init failures (fatal
// or ignored), unknown types and versions, scopes, envRef and literal values,
// secretKeyRef without a secret store, initTimeout, schema errors, and
// multi-document YAML. Every case runs the real CLI.
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, waitExit, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, services, uniqueName } from "../support/services.js";

function resources(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-load-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const component = (name: string, type: string, metadata: string, extra = "", version = "v1") => `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${name}
${extra}spec:
  type: ${type}
  version: ${version}
  metadata:${metadata || " []"}
`;
const redisAt = (hostPort: string, more = "") => `
    - name: redisHost
      value: ${hostPort}${more}`;

/** Starts a sidecar that is expected to fail; resolves its exit code and output. */
async function failedStart(files: Record<string, string>, env: Record<string, string> = {}): Promise<{ code: number | null; logs: string }> {
  const sc = await startSidecar({ appId: uniqueName("fail"), resourcesPaths: [resources(files)], waitReady: false, env });
  try {
    const code = await waitExit(sc, 25_000);
    return { code, logs: sc.logs() };
  } finally {
    await sc.kill();
  }
}

describe("a component that fails to initialise", () => {
  it("makes the sidecar exit non-zero, naming the component and the cause", async () => {
    const closed = await freePort();
    const r = await failedStart({ "bad.yaml": component("broken-store", "state.redis", redisAt(`127.0.0.1:${closed}`)) });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.logs).toMatch(/failed to initialise component broken-store/);
    expect(r.logs).toMatch(new RegExp(`127\\.0\\.0\\.1:${closed}`));
  });

  it("lists the known types for an unknown type", async () => {
    const r = await failedStart({ "c.yaml": component("typo", "state.rediss", "") });
    expect(r.code).not.toBe(0);
    expect(r.logs).toMatch(/unknown component type 'state\.rediss' for component typo/);
    expect(r.logs).toMatch(/known state types: [^\n]*state\.redis/);
  });

  it("lists the known versions for an unknown version", async () => {
    const r = await failedStart({ "c.yaml": component("vtypo", "state.in-memory", "", "", "v9") });
    expect(r.code).not.toBe(0);
    expect(r.logs).toMatch(/unknown version 'v9' of state\.in-memory for component vtypo; known versions: v1/);
  });

  it("names the missing secret store for a secretKeyRef", async () => {
    const yaml = component("needs-secret", "state.redis", `
    - name: redisHost
      value: ${services.redis.host}:${services.redis.port}
    - name: redisPassword
      secretKeyRef:
        name: redis-secret
        key: password`, "auth:\n  secretStore: vault-store\n");
    const r = await failedStart({ "c.yaml": yaml });
    expect(r.code).not.toBe(0);
    expect(r.logs).toMatch(/needs-secret/);
    expect(r.logs).toMatch(/secret store vault-store is not loaded/);
  });

  it("says no secret store is named for a secretKeyRef without auth.secretStore", async () => {
    const yaml = component("needs-secret2", "state.in-memory", `
    - name: password
      secretKeyRef:
        name: s
        key: k`);
    const r = await failedStart({ "c.yaml": yaml });
    expect(r.code).not.toBe(0);
    expect(r.logs).toMatch(/needs-secret2[^\n]*no secret store is named/);
  });

  describe("initTimeout", () => {
    // Accepts TCP connections and never answers: a Redis client's init hangs.
    let blackhole: net.Server;
    let port: number;
    const sockets = new Set<net.Socket>();
    beforeAll(async () => {
      blackhole = net.createServer((s) => { sockets.add(s); s.on("error", () => {}); });
      await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
      port = (blackhole.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => blackhole.close(r));
    });

    it("gives up on a hanging init after initTimeout, naming the component", async () => {
      const start = performance.now();
      const r = await failedStart({
        "c.yaml": component("hanging", "state.redis", redisAt(`127.0.0.1:${port}`), "").replace("  version: v1\n", "  version: v1\n  initTimeout: 1s\n"),
      });
      const elapsed = performance.now() - start;
      expect(r.code).not.toBe(0);
      expect(r.logs).toMatch(/failed to initialise component hanging: init timed out after 1s/);
      // The connection really was accepted (init hung rather than failed fast).
      expect(sockets.size).toBeGreaterThan(0);
      expect(elapsed).toBeGreaterThan(1000);
    });
  });
});

describe("a sidecar with a mixed resources folder", () => {
  const appId = uniqueName("mixed");
  const envPrefix = uniqueName("envpfx");
  const literalPrefix = uniqueName("litpfx");
  let sidecar: SidecarProcess;
  let closedPort: number;
  let md: any;

  beforeAll(async () => {
    closedPort = await freePort();
    const redis = `${services.redis.host}:${services.redis.port}`;
    const dir = resources({
      "multi.yaml": [component("multi-one", "state.in-memory", ""), component("multi-two", "state.in-memory", "")].join("---\n"),
      "scoped.yaml": [
        component("scoped-out", "state.in-memory", "", "scopes:\n  - some-other-app\n"),
        component("scoped-in", "state.in-memory", "", `scopes:\n  - some-other-app\n  - ${appId}\n`),
      ].join("---\n"),
      "prefixes.yaml": [
        component("env-prefixed", "state.redis", redisAt(redis, "\n    - name: keyPrefix\n      envRef: H9_TEST_KEY_PREFIX")),
        component("literal-prefixed", "state.redis", redisAt(redis, `\n    - name: keyPrefix\n      value: ${literalPrefix}`)),
      ].join("---\n"),
      // Fails the CRD schema: spec.version is required.
      "no-version.yaml": `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: schema-broken
spec:
  type: state.in-memory
  metadata: []
`,
      "ignored.yaml": component("ignored-failure", "state.redis", redisAt(`127.0.0.1:${closedPort}`)).replace("  version: v1\n", "  version: v1\n  ignoreErrors: true\n"),
    });
    sidecar = await startSidecar({ appId, resourcesPaths: [dir], env: { H9_TEST_KEY_PREFIX: envPrefix } });
    md = await (await sidecar.http("/v1.0/metadata")).json();
  });
  afterAll(async () => {
    await sidecar?.kill();
  });

  const loaded = () => (md.components as { name: string }[]).map((c) => c.name);

  it("loads every document of a multi-document YAML file", () => {
    expect(loaded()).toEqual(expect.arrayContaining(["multi-one", "multi-two"]));
  });

  it("honours scopes: a component scoped to another app is not loaded", () => {
    expect(loaded()).toContain("scoped-in");
    expect(loaded()).not.toContain("scoped-out");
  });

  it("reports a schema failure naming the file and the field, and loads the rest", () => {
    expect(loaded()).not.toContain("schema-broken");
    expect(sidecar.logs()).toMatch(/no-version\.yaml[^\n]*schema-broken[^\n]*version/);
  });

  it("starts despite an ignoreErrors component and shows its failure in the metadata API and the log", () => {
    expect(loaded()).not.toContain("ignored-failure");
    const failed = (md.failedComponents as { name: string; error: string }[]).find((f) => f.name === "ignored-failure");
    expect(failed).toBeDefined();
    expect(failed!.error).toMatch(new RegExp(`${closedPort}`));
    expect(sidecar.logs()).toMatch(/ignored-failure/);
  });

  it("resolves envRef and literal metadata values (seen through keyPrefix)", async () => {
    for (const [store, prefix] of [["env-prefixed", envPrefix], ["literal-prefixed", literalPrefix]] as const) {
      const res = await sidecar.http(`/v1.0/state/${store}`, { method: "POST", body: JSON.stringify([{ key: "probe", value: store }]) });
      expect(res.status).toBe(204);
      const direct = new Redis({ host: services.redis.host, port: services.redis.port });
      try {
        expect(await direct.exists(`${prefix}||probe`)).toBe(1);
        await direct.del(`${prefix}||probe`);
      } finally {
        direct.disconnect();
      }
    }
  });
});
