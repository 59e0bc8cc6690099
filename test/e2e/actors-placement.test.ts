// Placement across two app instances (each with its sidecar) sharing Redis for
// membership, state and reminders. The apps are plain HTTP servers speaking
// Dapr's actor callback protocol, in this process, so the test sees every
// activation: an actor id active on two instances at once, or two calls inside
// one actor at once, is recorded as a violation.
import http from "node:http";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { redisComponentDir } from "../support/resources.js";
import { freePort, uniqueName } from "../support/services.js";

const TYPE = uniqueName("PlacedActor");
const HANG_TYPE = uniqueName("HangActor");

interface World {
  /** Instances on which each actor id is active, from the app's point of view. */
  activeOn: Map<string, Set<string>>;
  inFlight: Map<string, number>;
  violations: string[];
  reminderFirings: { id: string; instance: string; at: number; body: unknown }[];
  served: Map<string, number>;
}

/** Responses of the "hang" method, held open until the test ends them. */
const hanging: http.ServerResponse[] = [];

const world: World = { activeOn: new Map(), inFlight: new Map(), violations: [], reminderFirings: [], served: new Map() };

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

/** One app instance: hosts TYPE and HANG_TYPE; `sidecarPort()` is its own sidecar's HTTP port. */
function startApp(name: string, port: number, sidecarPort: () => number): Promise<http.Server> {
  const daprUrl = (p: string) => `http://127.0.0.1:${sidecarPort()}${p}`;
  const cache = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    const url = req.url ?? "";
    const body = await readBody(req);
    if (req.method === "GET" && url === "/dapr/config") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ entities: [TYPE, HANG_TYPE], actorIdleTimeout: "1h", drainOngoingCallTimeout: "10s", drainRebalancedActors: true }));
      return;
    }
    const m = /^\/actors\/([^/]+)\/([^/]+)(?:\/method\/(.+))?$/.exec(url);
    if (!m) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const [, type, rawId, method] = m;
    const id = decodeURIComponent(rawId!);
    const key = `${type}/${id}`;
    if (req.method === "DELETE") {
      world.activeOn.get(key)?.delete(name);
      cache.delete(key);
      res.end();
      return;
    }
    // Activation bookkeeping: an id must never be active on two instances.
    const on = world.activeOn.get(key) ?? new Set<string>();
    on.add(name);
    world.activeOn.set(key, on);
    if (on.size > 1) world.violations.push(`${key} active on ${[...on].join(" and ")}`);
    const n = (world.inFlight.get(key) ?? 0) + 1;
    world.inFlight.set(key, n);
    if (n > 1) world.violations.push(`${key}: ${n} calls at once`);
    world.served.set(name, (world.served.get(name) ?? 0) + 1);
    try {
      if (method === "hang") {
        hanging.push(res); // answered only when the test releases it
        return;
      }
      if (method?.startsWith("remind/")) {
        world.reminderFirings.push({ id, instance: name, at: Date.now(), body: JSON.parse(body.toString() || "null") });
        res.end();
        return;
      }
      if (method === "where") {
        res.end(name);
        return;
      }
      if (method === "save") {
        const r = await fetch(daprUrl(`/v1.0/actors/${type}/${rawId}/state`), { method: "POST", body: JSON.stringify([{ operation: "upsert", request: { key: "v", value: { id, by: name } } }]) });
        res.statusCode = r.status === 204 ? 200 : 500;
        res.end(r.status === 204 ? name : `state save on ${name} failed: ${r.status} ${await r.text()}`);
        return;
      }
      if (method === "load") {
        const r = await fetch(daprUrl(`/v1.0/actors/${type}/${rawId}/state/v`));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ instance: name, status: r.status, value: r.status === 200 ? await r.json() : null }));
        return;
      }
      if (method === "bump") {
        // Read, yield, write on the activation's in-memory count: only turn-based concurrency keeps it exact.
        const current = cache.get(key) ?? 0;
        await new Promise((r2) => setImmediate(r2));
        cache.set(key, current + 1);
        res.end(String(current + 1));
        return;
      }
      if (method === "flush") {
        const w = await fetch(daprUrl(`/v1.0/actors/${type}/${rawId}/state`), { method: "POST", body: JSON.stringify([{ operation: "upsert", request: { key: "count", value: cache.get(key) ?? 0 } }]) });
        res.statusCode = w.status === 204 ? 200 : 500;
        res.end(String(cache.get(key) ?? 0));
        return;
      }
      if (method === "incr") {
        // Like an SDK actor: state cached for the activation, loaded once, saved on every call.
        // Read, yield, write: only turn-based concurrency keeps the count exact.
        if (!cache.has(key)) {
          const r = await fetch(daprUrl(`/v1.0/actors/${type}/${rawId}/state/count`));
          cache.set(key, r.status === 200 ? ((await r.json()) as number) : 0);
        }
        const current = cache.get(key)!;
        await new Promise((r2) => setImmediate(r2));
        cache.set(key, current + 1);
        const w = await fetch(daprUrl(`/v1.0/actors/${type}/${rawId}/state`), { method: "POST", body: JSON.stringify([{ operation: "upsert", request: { key: "count", value: current + 1 } }]) });
        res.statusCode = w.status === 204 ? 200 : 500;
        res.end(String(current + 1));
        return;
      }
      res.statusCode = 404;
      res.end();
    } finally {
      world.inFlight.set(key, (world.inFlight.get(key) ?? 1) - 1);
    }
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

function resources(): string {
  const dir = redisComponentDir("actorstore", "state.redis", { actorStateStore: "true", actorPlacement: "redis" });
  writeFileSync(path.join(dir, "resiliency.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: actor-timeouts
spec:
  policies:
    timeouts:
      short: 500ms
  targets:
    actors:
      ${HANG_TYPE}:
        timeout: short
`);
  return dir;
}

const appId = uniqueName("placed");
const namespace = uniqueName("ns");
const resDir = resources();

interface Instance {
  name: string;
  appPort: number;
  sidecar?: SidecarProcess;
  app: http.Server;
}

async function startInstanceSidecar(inst: Instance): Promise<void> {
  inst.sidecar = await startSidecar({
    appId, resourcesPaths: [resDir], args: ["--app-port", String(inst.appPort), "--dapr-graceful-shutdown-seconds", "10"], env: { NAMESPACE: namespace },
    waitReady: false,
  });
  await waitHosting(inst.sidecar);
}

/** Waits (longer than startSidecar would, as a loaded machine needs) until the sidecar hosts its app's actors. */
async function waitHosting(sc: SidecarProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (sc.proc.exitCode !== null) throw new Error(`sidecar exited:\n${sc.logs()}`);
    try {
      const md = (await (await sc.http("/v1.0/metadata")).json()) as { actorRuntime: { runtimeStatus: string; hostReady: boolean } };
      if (md.actorRuntime.runtimeStatus === "RUNNING" && md.actorRuntime.hostReady) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`actor runtime not ready after 60 s:\n${sc.logs()}`);
}

async function newInstance(name: string): Promise<Instance> {
  const appPort = await freePort();
  const inst: Instance = { name, appPort, app: undefined as unknown as http.Server };
  inst.app = await startApp(name, appPort, () => inst.sidecar?.httpPort ?? 0);
  await startInstanceSidecar(inst);
  return inst;
}

async function call(sc: SidecarProcess, id: string, method: string, type = TYPE): Promise<Response> {
  return sc.http(`/v1.0/actors/${type}/${encodeURIComponent(id)}/method/${method}`, { method: "PUT" });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

describe("actor placement across two instances (Redis)", () => {
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    [a, b] = await Promise.all([newInstance("A"), newInstance("B")]);
    // Both sidecars must see both hosts before the test relies on the spread.
    await new Promise((r) => setTimeout(r, 1500));
  }, 150_000);
  afterAll(async () => {
    await Promise.all([a?.sidecar?.stop(), b?.sidecar?.stop()]);
    for (const i of [a, b]) i?.app.close();
  });

  it("spreads 1,000 ids over both; when one stops, its actors reactivate on the other with state intact and reminders keep firing", async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `spread-${i}`);
    const first = await pool(ids, 64, async (id) => {
      const r = await call(a.sidecar!, id, "save");
      const text = await r.text();
      expect(r.status, text).toBe(200);
      return text;
    });
    const onB = ids.filter((_, i) => first[i] === "B");
    expect(onB.length).toBeGreaterThan(200);
    expect(ids.length - onB.length).toBeGreaterThan(200);
    // A call through B's sidecar reaches the same instance as through A's.
    expect(await (await call(b.sidecar!, onB[0]!, "where")).text()).toBe("B");

    // Reminders for ten of B's actors, registered through B's own sidecar.
    const reminded = onB.slice(0, 10);
    for (const id of reminded) {
      const r = await b.sidecar!.http(`/v1.0/actors/${TYPE}/${id}/reminders/ping`, { method: "POST", body: JSON.stringify({ dueTime: "0s", period: "300ms", data: { id } }) });
      expect(r.status).toBe(204);
    }
    await until(() => reminded.every((id) => world.reminderFirings.some((f) => f.id === id && f.instance === "B")));
    expect(world.reminderFirings.find((f) => f.id === reminded[0])!.body).toMatchObject({ period: "300ms", data: { id: reminded[0] } });

    await b.sidecar!.stop();
    const stoppedAt = Date.now();
    const after = await pool(ids, 64, async (id) => {
      const r = await call(a.sidecar!, id, "load");
      expect(r.status, r.status === 200 ? "" : await r.text()).toBe(200);
      return (await r.json()) as { instance: string; status: number; value: { id: string } };
    });
    for (const [i, r] of after.entries()) {
      expect(r.instance).toBe("A");
      expect(r.value).toMatchObject({ id: ids[i] });
    }
    await until(() => reminded.every((id) => world.reminderFirings.some((f) => f.id === id && f.instance === "A" && f.at > stoppedAt)));
    for (const id of reminded) await a.sidecar!.http(`/v1.0/actors/${TYPE}/${id}/reminders/ping`, { method: "DELETE" });
    expect(world.violations).toEqual([]);

    await startInstanceSidecar(b);
    await new Promise((r) => setTimeout(r, 1500));
  }, 150_000);

  it("never activates one id twice while an instance leaves and rejoins, and loses no call", async () => {
    // An id placed on B, so it moves B -> A -> B during the test.
    let id = "";
    for (let i = 0; !id; i++) {
      if ((await (await call(a.sidecar!, `hot-${i}`, "where")).text()) === "B") id = `hot-${i}`;
    }
    const total = 2000;
    const calls = Array.from({ length: total }, (_, i) => i);
    const churn = (async () => {
      await new Promise((r) => setTimeout(r, 200));
      await b.sidecar!.stop();
      await startInstanceSidecar(b);
    })();
    const results = await pool(calls, 200, async () => {
      const r = await call(a.sidecar!, id, "incr");
      return r.status === 200 ? "ok" : `${r.status} ${await r.text()}`;
    });
    await churn;
    expect(results.filter((s) => s !== "ok").slice(0, 3)).toEqual([]);
    expect(world.violations).toEqual([]);
    const owner = (await (await call(a.sidecar!, id, "load")).json()) as { instance: string };
    const count = await (owner.instance === "A" ? a : b).sidecar!.http(`/v1.0/actors/${TYPE}/${id}/state/count`);
    expect(await count.json()).toBe(total);
  }, 150_000);

  it("a counter actor incremented 10,000 times concurrently ends at exactly 10,000", async () => {
    const id = uniqueName("counter");
    // Through both sidecars at once: half the calls are forwarded to the actor's host.
    const results = await pool(Array.from({ length: 10_000 }, (_, i) => i), 64, async (i) => (await call(i % 2 ? a.sidecar! : b.sidecar!, id, "bump")).status);
    expect(results.filter((s) => s !== 200)).toEqual([]);
    expect((await call(a.sidecar!, id, "flush")).status).toBe(200);
    const owner = (await (await call(a.sidecar!, id, "load")).json()) as { instance: string };
    const count = await (owner.instance === "A" ? a : b).sidecar!.http(`/v1.0/actors/${TYPE}/${id}/state/count`);
    expect(await count.json()).toBe(10_000);
    expect(world.violations).toEqual([]);
  }, 150_000);

  it("times out a call to an app that never answers, under the resiliency policy, and leaves the actor unlocked", async () => {
    const id = uniqueName("hang");
    const started = performance.now();
    const r = await call(a.sidecar!, id, "hang", HANG_TYPE);
    const tookMs = performance.now() - started;
    expect(r.status).toBe(500);
    expect(((await r.json()) as { errorCode: string }).errorCode).toBe("ERR_ACTOR_INVOKE_METHOD");
    expect(tookMs).toBeLessThan(10_000);
    // The next call to the same actor gets its turn.
    world.inFlight.set(`${HANG_TYPE}/${id}`, 0);
    const next = await call(a.sidecar!, id, "where", HANG_TYPE);
    expect(next.status).toBe(200);
    // Answer the abandoned request, so no app call stays open when the sidecars shut down.
    for (const res of hanging.splice(0)) res.end();
  }, 30_000);

  it("reads state only on the actor's host", async () => {
    const id = "spread-1";
    const owner = await (await call(a.sidecar!, id, "where")).text();
    const other = owner === "A" ? b : a;
    const r = await other.sidecar!.http(`/v1.0/actors/${TYPE}/${id}/state/v`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { errorCode: string }).errorCode).toBe("ERR_ACTOR_INSTANCE_MISSING");
  });
});

async function until(fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
