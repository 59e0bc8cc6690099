// Faults around the Kubernetes-mode sidecar: the API server unreachable at
// start (the sidecar waits, reports not-ready, and becomes ready once the API
// server appears), and SIGTERM while a call is in flight (it drains).
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { eventually } from "../kube-api/test-client.js";
import { startKubeApi, type KubeApi } from "../kube-api/server.js";
import { freePort, startOwnedRedis } from "../support/services.js";
import type { SidecarProcess } from "../support/sidecar-process.js";
import { apply, component, componentNames, freshNamespace, installDaprCrds, metadataOf, startK8sSidecar } from "./sidecar-k8s-support.js";

let api: KubeApi;
const sidecars: SidecarProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
  await installDaprCrds(api);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(sidecars.map((s) => s.stop()));
  for (const c of cleanups) await c();
  await api?.stop();
});

/** A kubeconfig for the double, but pointing at `port` on 127.0.0.1 (the certificate is for 127.0.0.1). */
function kubeconfigVia(port: number): string {
  const kc = parse(readFileSync(api.kubeconfigPath, "utf8")) as { clusters: { cluster: { server: string } }[] };
  kc.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`;
  const file = path.join(path.dirname(api.kubeconfigPath), `kubeconfig-via-${port}`);
  writeFileSync(file, stringify(kc), { mode: 0o600 });
  return file;
}

/** Starts forwarding `port` to the double: the API server "appears". */
async function startProxy(port: number): Promise<{ close(): void }> {
  const target = Number(new URL(api.url).port);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return {
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

describe("Kubernetes-mode sidecar faults", () => {
  it("waits for an unreachable API server, reporting not-ready, and becomes ready when it appears", async () => {
    const ns = await freshNamespace(api, "k8s-wait");
    await apply(api, ns, component("mem", "state.in-memory"));
    const proxyPort = await freePort();
    const sc = await startK8sSidecar({ namespace: ns, kubeconfigPath: kubeconfigVia(proxyPort), appId: "patient", waitReady: false });
    sidecars.push(sc);

    // Not ready, saying why, on the public port (probes) and the HTTP port (SDKs); and it keeps running.
    const notReady = await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${sc.publicPort}/v1.0/healthz`).catch(() => undefined);
      return r?.status === 500 ? r : undefined;
    }, 15_000, "a not-ready answer");
    expect(await notReady.json()).toMatchObject({ errorCode: "ERR_HEALTH_NOT_READY", message: expect.stringMatching(/Kubernetes API server/) });
    expect((await sc.http("/v1.0/healthz/outbound")).status).toBe(500);
    expect(sc.proc.exitCode).toBeNull();

    const proxy = await startProxy(proxyPort);
    cleanups.push(() => proxy.close());
    await sc.ready();
    expect(componentNames(await metadataOf(sc))).toEqual(["kubernetes", "mem"]);
    expect(sc.logs()).toMatch(/waiting for the Kubernetes API server/);
  }, 40_000);

  it("drains on SIGTERM: a state call in flight completes, then the process exits 0", async () => {
    const owned = await startOwnedRedis();
    cleanups.push(() => owned.stop());
    const ns = await freshNamespace(api, "k8s-drain");
    // Not redisStore: this Redis is the test's own, so that it can be paused.
    await apply(api, ns, component("slow", "state.redis", [{ name: "redisHost", value: `127.0.0.1:${owned.port}` }]));
    const sc = await startK8sSidecar({ namespace: ns, kubeconfigPath: api.kubeconfigPath, appId: "drainer", args: ["--dapr-graceful-shutdown-seconds", "10"] });
    sidecars.push(sc);
    expect((await sc.http("/v1.0/state/slow", { method: "POST", headers: { "content-type": "application/json" }, body: '[{"key":"k","value":"v"}]' })).status).toBe(204);

    // Redis holds every command for a while: the next read is in flight when SIGTERM arrives.
    const admin = new Redis(owned.port, "127.0.0.1");
    cleanups.push(() => void admin.disconnect());
    await admin.call("CLIENT", "PAUSE", "1500", "ALL");
    const inFlight = sc.http("/v1.0/state/slow/k").then(async (r) => ({ status: r.status, body: await r.text() }));
    await new Promise((r) => setTimeout(r, 300));
    const exited = sc.stop();
    expect(await inFlight).toEqual({ status: 200, body: '"v"' });
    expect(await exited).toBe(0);
    expect(sc.logs()).toMatch(/shutting down/);
  }, 40_000);
});
