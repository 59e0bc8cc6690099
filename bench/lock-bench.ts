// Lock acquire + release round trip on lock.redis through the sidecar (gRPC
// TryLockAlpha1 + UnlockAlpha1, and HTTP lock + unlock) against the same
// SET NX PX and Lua compare-and-delete done with ioredis directly, in the same
// run. Rounds alternate sides so a noisy neighbour slows all of them alike.
//   node dist/bench/lock-bench.js          (or: npx tsx bench/lock-bench.ts)
//   import { runLockBench } from "./lock-bench.js"; (await runLockBench()).report
import * as grpc from "@grpc/grpc-js";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Agent, request } from "undici";
import { daprProto, lookup } from "../sidecar/api/grpc/protos.js";
import { services } from "../test/support/services.js";
import { formatChecks, ms, percentile, type Check, type LoadResult } from "./bench-stats.js";
import { startBenchSidecar } from "./bench-sidecar.js";
import { comparePaths } from "./compare-paths.js";
import { redisComponentDir } from "../test/support/resources.js";

export interface LockBenchOptions {
  inFlight?: number;
  rounds?: number;
  roundMs?: number;
}

export interface LockBenchResult {
  direct: LoadResult;
  grpc: LoadResult;
  http: LoadResult;
  checks: Check[];
  report: string;
}

const STORE = "benchlock";
// The release a lock store performs: delete only when the caller still owns it.
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) elseif redis.call("exists", KEYS[1]) == 0 then return -1 else return -2 end`;

function resources(): string {
  return redisComponentDir(STORE, "lock.redis");
}

export async function runLockBench(o: LockBenchOptions = {}): Promise<LockBenchResult> {
  const inFlight = o.inFlight ?? 4;
  const rounds = o.rounds ?? 3;
  const roundMs = o.roundMs ?? 2_000;
  const appId = `benchlock-${process.pid}-${Date.now().toString(36)}`;
  const sidecar = await startBenchSidecar(appId, ["--resources-path", resources()]);
  const redis = new Redis({ host: services.redis.host, port: services.redis.port });
  const Client = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
  const client = new Client(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  const agent = new Agent({ connections: inFlight, pipelining: 1 });
  let seq = 0;
  // Every round trip locks its own resource: the bench measures overhead, not contention.
  const next = () => `r-${seq++}`;
  try {
    const direct = async () => {
      const key = `${appId}-direct||${next()}`;
      const ok = await redis.set(key, "owner", "PX", 10_000, "NX");
      if (ok !== "OK") throw new Error("direct SET NX failed");
      const released = await redis.eval(RELEASE, 1, key, "owner");
      if (released !== 1) throw new Error(`direct release answered ${String(released)}`);
    };
    const call = (method: string, req: object) => new Promise<any>((resolve, reject) => {
      client[method](req, (err: grpc.ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)));
    });
    const viaGrpc = async () => {
      const resource_id = next();
      const t = await call("TryLockAlpha1", { store_name: STORE, resource_id, lock_owner: "owner", expiry_in_seconds: 10 });
      if (!t.success) throw new Error("gRPC TryLock did not succeed");
      const u = await call("UnlockAlpha1", { store_name: STORE, resource_id, lock_owner: "owner" });
      if (u.status !== "SUCCESS" && u.status !== 0) throw new Error(`gRPC Unlock answered ${u.status}`);
    };
    const base = `http://127.0.0.1:${sidecar.httpPort}/v1.0-alpha1`;
    const post = async (url: string, body: object) => {
      const r = await request(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" }, dispatcher: agent });
      const text = await r.body.text();
      if (r.statusCode !== 200) throw new Error(`HTTP ${url} answered ${r.statusCode}: ${text}`);
      return JSON.parse(text) as { success?: boolean; status?: number };
    };
    const viaHttp = async () => {
      const resourceId = next();
      const t = await post(`${base}/lock/${STORE}`, { resourceId, lockOwner: "owner", expiryInSeconds: 10 });
      if (!t.success) throw new Error("HTTP lock did not succeed");
      const u = await post(`${base}/unlock/${STORE}`, { resourceId, lockOwner: "owner" });
      if (u.status !== 0) throw new Error(`HTTP unlock answered ${u.status}`);
    };

    const cmp = await comparePaths({ direct, grpc: viaGrpc, http: viaHttp }, { inFlight, rounds, roundMs, sidecarPid: sidecar.proc.pid! });
    const { direct: d, grpc: g, http: h } = cmp;
    const cpu = cmp.cpuMs;
    const p = (r: LoadResult, q: number) => percentile(r.latenciesMs, q);
    const addedGrpc = p(g, 50) - p(d, 50);
    const addedHttp = p(h, 50) - p(d, 50);
    const checks: Check[] = [
      { name: "gRPC lock+unlock added p50", value: ms(addedGrpc), target: "<= 0.300 ms", pass: addedGrpc <= 0.3 },
      { name: "HTTP lock+unlock added p50", value: ms(addedHttp), target: "<= 0.300 ms", pass: addedHttp <= 0.3 },
    ];
    const row = (name: string, r: LoadResult) =>
      `${name.padEnd(22)} p50 ${ms(p(r, 50))}  p99 ${ms(p(r, 99))}  ${Math.round(r.throughput)} round trips/s  (${r.latenciesMs.length}, ${r.errors} errors)`;
    const report = formatChecks(`lock acquire + release on lock.redis, ${inFlight} in flight, ${rounds} x ${roundMs} ms rounds per side`, [
      row("ioredis SET NX + Lua", d), row("sidecar gRPC", g), row("sidecar HTTP", h),
      `sidecar CPU per round trip: gRPC ${ms(cpu.grpc / g.latenciesMs.length)}, HTTP ${ms(cpu.http / h.latenciesMs.length)}`,
    ], checks);
    return { direct: d, grpc: g, http: h, checks, report };
  } finally {
    client.close();
    await agent.close();
    redis.disconnect();
    await sidecar.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runLockBench().then((r) => console.log(r.report), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
