// Actor placement through Kubernetes Leases with real sidecars in
// `--mode kubernetes` against the API double: no placement setting anywhere,
// so the Lease backend is chosen by the mode. Two app instances host one actor
// type; calls for 200 ids are spread over both, each id is active in one
// place only, and when one sidecar stops every id is served by the other.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../kube-api/test-client.js";
import { startKubeApi, type KubeApi } from "../kube-api/server.js";
import { freePort, uniqueName } from "../support/services.js";
import type { SidecarProcess } from "../support/sidecar-process.js";
import { apply, freshNamespace, installDaprCrds, redisStore, startK8sSidecar } from "./sidecar-k8s-support.js";

const TYPE = "LeasePlacedActor";
let api: KubeApi;
let ns: string;
const appId = "placed";
/** Instances each actor id is active on, as the apps see it. */
const activeOn = new Map<string, Set<string>>();
const violations: string[] = [];
const servers: http.Server[] = [];
const sidecars: SidecarProcess[] = [];

function startApp(name: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    req.resume();
    if (req.method === "GET" && url === "/dapr/config") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ entities: [TYPE], actorIdleTimeout: "1h", drainOngoingCallTimeout: "5s", drainRebalancedActors: true }));
      return;
    }
    const m = /^\/actors\/[^/]+\/([^/]+)(?:\/method\/(.+))?$/.exec(url);
    if (!m) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const id = decodeURIComponent(m[1]!);
    const on = activeOn.get(id) ?? new Set<string>();
    activeOn.set(id, on);
    if (req.method === "DELETE") {
      on.delete(name);
      res.end();
      return;
    }
    on.add(name);
    if (on.size > 1) violations.push(`${id} active on ${[...on].join(" and ")}`);
    res.end(name);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

async function instance(name: string): Promise<SidecarProcess> {
  const appPort = await freePort();
  await startApp(name, appPort);
  const sc = await startK8sSidecar({
    namespace: ns, kubeconfigPath: api.kubeconfigPath, appId, waitReady: false,
    args: ["--app-port", String(appPort)],
    env: { POD_NAME: `${appId}-${name}` },
  });
  sidecars.push(sc);
  await eventually(async () => {
    if (sc.proc.exitCode !== null) throw new Error(`sidecar exited:\n${sc.logs()}`);
    const r = await sc.http("/v1.0/metadata").catch(() => undefined); // not listening yet
    const md = (r ? await r.json().catch(() => ({})) : {}) as { actorRuntime?: { runtimeStatus: string; placement: string } };
    return md.actorRuntime?.runtimeStatus === "RUNNING" ? md.actorRuntime : undefined;
  }, 60_000, `actor runtime of ${name}`).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${sc.logs()}`);
  });
  return sc;
}

async function where(sc: SidecarProcess, id: string): Promise<string> {
  const r = await sc.http(`/v1.0/actors/${TYPE}/${id}/method/where`, { method: "PUT" });
  const body = await r.text();
  if (r.status !== 200) throw new Error(`call for ${id} answered ${r.status}: ${body}`);
  return body;
}

beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
  await installDaprCrds(api);
  ns = await freshNamespace(api, "k8s-actors");
  await apply(api, ns, redisStore("actorstore",
    { name: "keyPrefix", value: uniqueName("lease-actors").replace(/[^a-z0-9]/gi, "") },
    { name: "actorStateStore", value: "true" },
  ));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(sidecars.map((s) => s.stop()));
  for (const s of servers) s.close();
  await api?.stop();
});

describe("actor placement on Kubernetes Leases (real sidecars)", () => {
  it("spreads actors over both pods, keeps each active once, and hands all to the survivor of a clean stop", async () => {
    const one = await instance("one");
    const two = await instance("two");
    const md = (await (await one.http("/v1.0/metadata")).json()) as { actorRuntime: { placement: string } };
    expect(md.actorRuntime.placement).toContain(`kubernetes leases in namespace ${ns}`);
    const leases = api.list("coordination.k8s.io/v1", "Lease", ns).map((l) => l.metadata.name);
    expect(leases).toEqual(expect.arrayContaining([`dapr-ts-actors-${appId}-one`, `dapr-ts-actors-${appId}-two`]));

    const ids = Array.from({ length: 200 }, (_, i) => `a-${i}`);
    // Both sidecars have to see each other before the spread is stable.
    await eventually(async () => {
      const seen = new Set<string>();
      for (const id of ids.slice(0, 40)) seen.add(await where(one, id));
      return seen.size === 2;
    }, 15_000, "calls served by both instances");
    const placed = new Map<string, string>();
    for (const id of ids) placed.set(id, await where(one, id));
    // The same id lands on the same instance whichever sidecar is asked.
    for (const id of ids.slice(0, 50)) expect(await where(two, id)).toBe(placed.get(id));
    const onTwo = [...placed.values()].filter((n) => n === "two").length;
    expect(onTwo).toBeGreaterThan(40);
    expect(onTwo).toBeLessThan(160);

    await two.stop();
    sidecars.splice(sidecars.indexOf(two), 1);
    // A clean stop deletes the Lease: the survivor need not wait for it to run out (10 s).
    expect(api.get("coordination.k8s.io/v1", "Lease", `dapr-ts-actors-${appId}-two`, ns)).toBeUndefined();
    const movedId = ids.find((id) => placed.get(id) === "two")!;
    const started = Date.now();
    expect(await where(one, movedId)).toBe("one");
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const id of ids) expect(await where(one, id)).toBe("one");
    expect(violations).toEqual([]);
  }, 120_000);
});
