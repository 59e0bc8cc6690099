// Lock acquire + release round trip on lock.redis through the sidecar (gRPC
// TryLockAlpha1 + UnlockAlpha1, and HTTP lock + unlock) against the same
// SET NX PX and Lua compare-and-delete done with ioredis directly, in the same
// run (issue 5: the sidecar adds at most 0.3 ms at p50). Measured the way Dapr
// publishes its numbers (v1.17 performance report: 16 connections, 1,000 QPS,
// overhead = the Dapr-proxied result minus a direct call to the store), via
// bench/compare-paths.ts:
//  - latency: a paced 500 round trips/s, i.e. 1,000 requests/s to the sidecar
//    (each round trip is two requests, as it is two commands to Redis), over
//    16 connections; "added p50" is judged on these;
//  - throughput: a closed loop with 16 round trips in flight (was 4): the same
//    16 connections, and the same concurrency as the state bench, so the
//    sidecar CPU per request of the two benches can be compared;
//  - the transport floor: two sequential no-op gRPC / HTTP round trips per
//    operation, the same clients, the same rate.
// Rounds alternate sides so a noisy neighbour slows all of them alike.
//   node dist/bench/lock-bench.js          (or: npx tsx bench/lock-bench.ts)
//   import { runLockBench } from "./lock-bench.js"; (await runLockBench()).report
import * as grpc from "@grpc/grpc-js";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Agent, request } from "undici";
import { daprProto, lookup } from "../sidecar/api/grpc/protos.js";
import { services } from "../test/support/services.js";
import { formatChecks, ms, percentile, type Check } from "./bench-stats.js";
import { startBenchSidecar } from "./bench-sidecar.js";
import { comparePaths, describeComparison, type CompareOptions, type PathComparison } from "./compare-paths.js";
import { grpcConnections } from "./grpc-connections.js";
import { startTransportFloor } from "./transport-floor.js";
import { redisComponentDir } from "../test/support/resources.js";

export interface LockBenchOptions {
  /** Paced round trips per second (each is two requests). */
  ratePerSecond?: number;
  /** Client connections to the sidecar. */
  connections?: number;
  /** Round trips outstanding in the saturation rounds. */
  inFlight?: number;
  rounds?: number;
  pacedRoundMs?: number;
  saturationRoundMs?: number;
}

export interface LockBenchResult {
  comparison: PathComparison;
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
  const connections = o.connections ?? 16;
  const appId = `benchlock-${process.pid}-${Date.now().toString(36)}`;
  const floor = await startTransportFloor(connections);
  const sidecar = await startBenchSidecar(appId, ["--resources-path", resources()]).catch(async (err) => {
    await floor.close();
    throw err;
  });
  const redis = new Redis({ host: services.redis.host, port: services.redis.port });
  const Client = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
  const clients = grpcConnections((a, c, opts) => new Client(a, c, opts) as grpc.Client & Record<string, any>, `127.0.0.1:${sidecar.grpcPort}`, connections);
  const agent = new Agent({ connections, pipelining: 1 });
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
      clients.next()[method](req, (err: grpc.ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)));
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

    const co: CompareOptions = {
      ratePerSecond: o.ratePerSecond ?? 500,
      pacedRoundMs: o.pacedRoundMs ?? 1500,
      inFlight: o.inFlight ?? 16,
      saturationRoundMs: o.saturationRoundMs ?? 1000,
      rounds: o.rounds ?? 3,
      sidecarPid: sidecar.proc.pid!,
    };
    // The floor of a round trip is two round trips to the no-op server, one after the other.
    const twice = (fn: () => Promise<void>) => async () => { await fn(); await fn(); };
    const cmp = await comparePaths({ direct, grpc: viaGrpc, http: viaHttp }, { grpc: twice(floor.grpc), http: twice(floor.http) }, co);
    const { direct: d, grpc: g, http: h } = cmp.paced;
    const p50 = (r: { latenciesMs: number[] }) => percentile(r.latenciesMs, 50);
    const addedGrpc = p50(g) - p50(d);
    const addedHttp = p50(h) - p50(d);
    const checks: Check[] = [
      { name: "gRPC lock+unlock added p50", value: ms(addedGrpc), target: "<= 0.300 ms", pass: addedGrpc <= 0.3 },
      { name: "HTTP lock+unlock added p50", value: ms(addedHttp), target: "<= 0.300 ms", pass: addedHttp <= 0.3 },
    ];
    const report = formatChecks(
      `lock acquire + release on lock.redis, ${connections} connections`,
      describeComparison(cmp, { ...co, unit: "round trip", directLabel: "ioredis SET NX + Lua" }),
      checks,
    );
    return { comparison: cmp, checks, report };
  } finally {
    clients.close();
    await agent.close();
    await floor.close();
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
