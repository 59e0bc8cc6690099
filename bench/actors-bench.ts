// Actors benchmark (issue 8, speed): a trivial actor method invoked through
// the sidecar at a fixed 500 calls/s over 100 actor ids, p50/p90/p99 printed
// beside a direct HTTP call to the same app route in the same run; then
// reminder registration throughput (concurrent registrations, one per actor).
// Uses the embedded default (SQLite actor state store, local placement).
// Call: `await runActorsBench()` -> { report, checks } (as the other benches).
import http from "node:http";
import { Pool } from "undici";
import { freePort } from "../test/support/services.js";
import { startBenchSidecar } from "./bench-sidecar.js";
import { closedLoop, formatChecks, ms, percentile, type Check } from "./bench-stats.js";
import { pacedLoad } from "./paced-load.js";

async function trivialActorApp(): Promise<{ port: number; close(): void }> {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url === "/dapr/config") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ entities: ["BenchActor"], actorIdleTimeout: "1h" }));
        return;
      }
      res.end("ok");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { port, close: () => server.close() };
}

export async function runActorsBench(): Promise<{ report: string; checks: Check[] }> {
  const app = await trivialActorApp();
  const sidecar = await startBenchSidecar("bench-actors", ["--app-port", String(app.port)]);
  const viaPool = new Pool(`http://127.0.0.1:${sidecar.httpPort}`, { connections: 16 });
  const directPool = new Pool(`http://127.0.0.1:${app.port}`, { connections: 16 });
  let n = 0;
  const viaSidecar = async () => {
    const r = await viaPool.request({ method: "PUT", path: `/v1.0/actors/BenchActor/a-${n++ % 100}/method/ping`, body: "{}" });
    await r.body.arrayBuffer();
    if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  };
  const direct = async () => {
    const r = await directPool.request({ method: "PUT", path: `/actors/BenchActor/a-${n++ % 100}/method/ping`, body: "{}" });
    await r.body.arrayBuffer();
  };
  const lines: string[] = [];
  const checks: Check[] = [];
  try {
    // The actor runtime starts after the sidecar reads /dapr/config.
    for (let i = 0; i < 200; i++) {
      const md = (await (await fetch(`http://127.0.0.1:${sidecar.httpPort}/v1.0/metadata`)).json()) as { actorRuntime: { runtimeStatus: string } };
      if (md.actorRuntime.runtimeStatus === "RUNNING") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await closedLoop(viaSidecar, 16, 1500); // warm-up: activates the 100 actors
    await closedLoop(direct, 16, 500);
    const v = await pacedLoad(viaSidecar, 500, 5000);
    const d = await pacedLoad(direct, 500, 5000);
    const ps = [50, 90, 99];
    const pv = ps.map((p) => percentile(v.latenciesMs, p));
    const pd = ps.map((p) => percentile(d.latenciesMs, p));
    lines.push(
      `actor method at 500 calls/s: ${ps.map((p, i) => `p${p} ${ms(pv[i]!)}`).join(", ")} vs direct ${ps.map((p, i) => `p${p} ${ms(pd[i]!)}`).join(", ")} (errors ${v.errors}/${d.errors})`,
    );
    checks.push(
      { name: "actor invoke p90", value: ms(pv[1]!), target: "<= 2 ms", pass: pv[1]! <= 2 },
      { name: "actor invoke p99", value: ms(pv[2]!), target: "<= 4 ms", pass: pv[2]! <= 4 },
    );

    // Reminder registration: 1,000 reminders, 32 in flight, each for its own actor.
    const total = 1000;
    let next = 0;
    const started = performance.now();
    let failed = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < total) {
        const i = next++;
        const r = await viaPool.request({
          method: "POST", path: `/v1.0/actors/BenchActor/r-${i}/reminders/bench`,
          body: JSON.stringify({ dueTime: "1h", period: "1h" }), headers: { "content-type": "application/json" },
        });
        await r.body.arrayBuffer();
        if (r.statusCode !== 204) failed++;
      }
    }));
    const perSecond = (total / (performance.now() - started)) * 1000;
    lines.push(`reminder registration: ${perSecond.toFixed(0)} reminders/s (${total} registered, ${failed} failed, 32 in flight)`);
    checks.push({ name: "reminder registrations failed", value: String(failed), target: "0", pass: failed === 0 });
  } finally {
    await viaPool.close();
    await directPool.close();
    await sidecar.stop();
    app.close();
  }
  return { report: formatChecks("actors", lines, checks), checks };
}
