// `dapr-ts sidecar --mode kubernetes` against the Kubernetes API double, with
// resources applied by the real kubectl: loading (scopes, the built-in
// `kubernetes` secret store, secretKeyRef), hot reload of a changed and of a
// deleted Component, a dropped watch, and a missing secret.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../kube-api/test-client.js";
import { startKubeApi, type KubeApi } from "../kube-api/server.js";
import { services, uniqueName } from "../support/services.js";
import type { SidecarProcess } from "../support/sidecar-process.js";
import { apply, component, componentNames, freshNamespace, installDaprCrds, metadataOf, redisStore, remove, startK8sSidecar } from "./sidecar-k8s-support.js";

let api: KubeApi;
let redis: Redis;
const sidecars: SidecarProcess[] = [];

beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
  await installDaprCrds(api);
  redis = new Redis(services.redis.port, services.redis.host ?? "127.0.0.1", { lazyConnect: true });
  await redis.connect();
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(sidecars.map((s) => s.stop()));
  redis?.disconnect();
  await api?.stop();
});

async function sidecar(namespace: string, appId: string, extra: { waitReady?: boolean } = {}): Promise<SidecarProcess> {
  const sc = await startK8sSidecar({ namespace, kubeconfigPath: api.kubeconfigPath, appId, ...extra });
  sidecars.push(sc);
  return sc;
}

async function save(sc: SidecarProcess, store: string, key: string, value: unknown): Promise<Response> {
  return sc.http(`/v1.0/state/${store}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ key, value }]) });
}

async function read(sc: SidecarProcess, store: string, key: string): Promise<{ status: number; body: string }> {
  const r = await sc.http(`/v1.0/state/${store}/${key}`);
  return { status: r.status, body: await r.text() };
}

describe("sidecar in Kubernetes mode", () => {
  it("loads the namespace's Components, honours scopes and resolves secretKeyRef through the built-in kubernetes store", async () => {
    const ns = await freshNamespace(api, "k8s-load");
    const prefix = uniqueName("sec").replace(/[^a-z0-9]/gi, "");
    await apply(api, ns, [
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: redis-settings\nstringData:\n  prefix: ${prefix}\n`,
      redisStore("cache", { name: "keyPrefix", secretKeyRef: { name: "redis-settings", key: "prefix" } }),
      component("scratch", "state.in-memory"),
      component("not-for-me", "state.in-memory", [], ["some-other-app"]),
    ].join("---\n"));
    const sc = await sidecar(ns, "loader");
    expect(componentNames(await metadataOf(sc))).toEqual(["cache", "kubernetes", "scratch"]);

    expect((await save(sc, "cache", "k1", { v: 1 })).status).toBe(204);
    // The key layout proves the secret's value reached the component.
    expect(await redis.exists(`${prefix}||k1`)).toBe(1);
    expect((await save(sc, "scratch", "k", "in memory")).status).toBe(204);
    expect(await read(sc, "scratch", "k")).toEqual({ status: 200, body: '"in memory"' });
    const scoped = await save(sc, "not-for-me", "k", 1);
    expect(scoped.status).toBe(400);
    expect(await scoped.text()).toMatch(/not-for-me/);
  }, 30_000);

  it("switches to a changed Component without a restart, and survives a dropped watch", async () => {
    const ns = await freshNamespace(api, "k8s-reload");
    const before = uniqueName("before").replace(/[^a-z0-9]/gi, "");
    const after = uniqueName("after").replace(/[^a-z0-9]/gi, "");
    await apply(api, ns, redisStore("store", { name: "keyPrefix", value: before }));
    const sc = await sidecar(ns, "reloader");
    const pid = sc.proc.pid;
    expect((await save(sc, "store", "k", "old")).status).toBe(204);
    expect(await redis.exists(`${before}||k`)).toBe(1);

    await apply(api, ns, redisStore("store", { name: "keyPrefix", value: after }));
    // The new prefix hides the old value: the state API now reads another key.
    await eventually(async () => (await read(sc, "store", "k")).status === 204, 5_000, "the new keyPrefix in use");
    expect((await save(sc, "store", "k", "new")).status).toBe(204);
    expect(await redis.exists(`${after}||k`)).toBe(1);

    // Cut the watch connections; a change made while no watch is open still arrives.
    expect(api.dropWatches()).toBeGreaterThanOrEqual(1);
    await apply(api, ns, redisStore("store", { name: "keyPrefix", value: before }));
    await eventually(async () => (await read(sc, "store", "k")).body === '"old"', 10_000, "the change made after the watch dropped");
    // And it is still the same process.
    expect(sc.proc.pid).toBe(pid);
    expect(sc.proc.exitCode).toBeNull();
  }, 30_000);

  it("keeps the old Component and reports the failure when a change does not initialise (a missing secret, named)", async () => {
    const ns = await freshNamespace(api, "k8s-fail");
    await apply(api, ns, redisStore("store", { name: "keyPrefix", value: "kept" }));
    const sc = await sidecar(ns, "keeper");
    expect((await save(sc, "store", "k", "v")).status).toBe(204);

    await apply(api, ns, redisStore("store", { name: "redisPassword", secretKeyRef: { name: "no-such-secret", key: "password" } }));
    const failed = await eventually(async () => (await metadataOf(sc)).failedComponents?.find((f) => f.name === "store"), 5_000, "the failure reported");
    expect(failed.error).toMatch(/no-such-secret/);
    // Still served by the previous definition.
    expect(await read(sc, "store", "k")).toEqual({ status: 200, body: '"v"' });
    expect(await redis.exists("kept||k")).toBe(1);
  }, 30_000);

  it("a Component deleted while in use: calls finish or fail cleanly, then the store is gone; the sidecar keeps running", async () => {
    const ns = await freshNamespace(api, "k8s-del");
    await apply(api, ns, redisStore("busy", { name: "keyPrefix", value: uniqueName("busy").replace(/[^a-z0-9]/gi, "") }));
    // A second store, so that the deleted one is "not found" rather than "no state store configured".
    await apply(api, ns, component("other", "state.in-memory"));
    const sc = await sidecar(ns, "deleter");

    let stop = false;
    const statuses: (number | string)[] = [];
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        statuses.push(await save(sc, "busy", `k${i % 20}`, i).then((r) => r.status, (err: Error) => `${err.message}: ${String((err.cause as Error)?.message)}`));
      }
    })();
    await eventually(() => statuses.length > 20, 5_000, "traffic running");
    await remove(api, ns, "component", "busy");
    await eventually(async () => (await save(sc, "busy", "x", 1)).status === 400, 5_000, "the store gone");
    stop = true;
    await load;
    // Every call either succeeded or was refused as "not found": nothing in between.
    expect(new Set(statuses)).toEqual(new Set(statuses.includes(400) ? [204, 400] : [204]));
    const gone = await save(sc, "busy", "x", 1);
    expect(await gone.json()).toMatchObject({ errorCode: "ERR_STATE_STORE_NOT_FOUND" });
    expect((await fetch(`http://127.0.0.1:${sc.publicPort}/v1.0/healthz`)).status).toBe(204);
  }, 30_000);

  it("refuses to start, naming the secret, when a Component's secretKeyRef points at a missing Secret", async () => {
    const ns = await freshNamespace(api, "k8s-nosecret");
    await apply(api, ns, redisStore("needs-secret", { name: "redisPassword", secretKeyRef: { name: "missing-secret", key: "password" } }));
    const sc = await sidecar(ns, "secretless", { waitReady: false });
    const code = await new Promise<number | null>((resolve) => {
      if (sc.proc.exitCode !== null) resolve(sc.proc.exitCode);
      sc.proc.once("exit", (c) => resolve(c));
    });
    expect(code).toBe(1);
    expect(sc.logs()).toMatch(/needs-secret/);
    expect(sc.logs()).toMatch(/missing-secret/);
  }, 30_000);
});
