// State GET through the sidecar vs. Redis directly (issue 2 "Speed"): 1 KiB
// values, gRPC GetState and HTTP GET against ioredis GET on the same Redis.
// Measured the way Dapr publishes its numbers (v1.17 performance report: 16
// connections, 1,000 QPS, overhead = the Dapr-proxied result minus a direct
// call to the state store), via bench/compare-paths.ts:
//  - latency: a paced 1,000 GETs/s over 16 connections (16 grpc-js clients,
//    each on its own HTTP/2 connection; undici with 16 HTTP/1.1 connections;
//    ioredis on its one connection), judged by "added p50 / p99";
//  - throughput: a closed loop with 16 in flight, judged by "throughput /
//    direct", with the sidecar's CPU per request over those rounds;
//  - the transport floor: the same clients against no-op gRPC / HTTP servers.
// Rounds alternate (direct, gRPC, HTTP, ...) so a noisy neighbour slows all
// sides alike; only differences and ratios are judged.
//   node dist/bench/state-bench.js
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

export interface StateBenchOptions {
  /** Paced GETs per second (Dapr: 1,000). */
  ratePerSecond?: number;
  /** Client connections to the sidecar, and requests in flight in the saturation rounds (Dapr: 16). */
  connections?: number;
  valueBytes?: number;
  rounds?: number;
  pacedRoundMs?: number;
  saturationRoundMs?: number;
}

export interface StateBenchResult {
  comparison: PathComparison;
  checks: Check[];
  report: string;
}

const STORE = "benchstore";

function resources(): string {
  return redisComponentDir(STORE, "state.redis");
}

export async function runStateBench(o: StateBenchOptions = {}): Promise<StateBenchResult> {
  const connections = o.connections ?? 16;
  const valueBytes = o.valueBytes ?? 1024;
  const appId = `bench-${process.pid}-${Date.now().toString(36)}`;
  const key = "order-1";
  const value = "x".repeat(valueBytes - 2); // stored as a JSON string: 1 KiB with its quotes

  const floor = await startTransportFloor(connections);
  const sidecar = await startBenchSidecar(appId, ["--resources-path", resources()]).catch(async (err) => {
    await floor.close();
    throw err;
  });
  const redis = new Redis({ host: services.redis.host, port: services.redis.port });
  const Client = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
  const clients = grpcConnections((a, c, opts) => new Client(a, c, opts) as grpc.Client & Record<string, any>, `127.0.0.1:${sidecar.grpcPort}`, connections);
  const agent = new Agent({ connections, pipelining: 1 });
  const directKey = `${appId}-direct`;
  try {
    const saved = await fetch(`http://127.0.0.1:${sidecar.httpPort}/v1.0/state/${STORE}`, {
      method: "POST", body: JSON.stringify([{ key, value }]),
    });
    if (saved.status !== 204) throw new Error(`seeding failed: ${saved.status} ${await saved.text()}`);
    await redis.set(directKey, JSON.stringify(value));

    const direct = async () => {
      const v = await redis.getBuffer(directKey);
      if (!v || v.length !== valueBytes) throw new Error("direct GET returned the wrong value");
    };
    const viaGrpc = () => new Promise<void>((resolve, reject) => {
      clients.next()["GetState"]({ store_name: STORE, key }, (err: grpc.ServiceError | null, res: { data: Buffer }) => {
        if (err) return reject(err);
        if (res.data.length !== valueBytes) return reject(new Error("gRPC GetState returned the wrong value"));
        resolve();
      });
    });
    const url = `http://127.0.0.1:${sidecar.httpPort}/v1.0/state/${STORE}/${key}`;
    const viaHttp = async () => {
      const r = await request(url, { dispatcher: agent });
      const body = Buffer.from(await r.body.arrayBuffer());
      if (r.statusCode !== 200 || body.length !== valueBytes) throw new Error(`HTTP GET state returned ${r.statusCode}, ${body.length} bytes`);
    };

    const co: CompareOptions = {
      ratePerSecond: o.ratePerSecond ?? 1000,
      pacedRoundMs: o.pacedRoundMs ?? 1500,
      inFlight: connections,
      saturationRoundMs: o.saturationRoundMs ?? 1000,
      rounds: o.rounds ?? 3,
      sidecarPid: sidecar.proc.pid!,
    };
    const cmp = await comparePaths({ direct, grpc: viaGrpc, http: viaHttp }, { grpc: floor.grpc, http: floor.http }, co);
    const { direct: d, grpc: g, http: h } = cmp.paced;
    const p = (r: { latenciesMs: number[] }, q: number) => percentile(r.latenciesMs, q);
    const addedGrpcP50 = p(g, 50) - p(d, 50);
    const addedGrpcP99 = p(g, 99) - p(d, 99);
    const addedHttpP50 = p(h, 50) - p(d, 50);
    const tputRatio = cmp.saturation.grpc.throughput / cmp.saturation.direct.throughput;
    const checks: Check[] = [
      { name: "gRPC GetState added p50", value: ms(addedGrpcP50), target: "<= 0.150 ms", pass: addedGrpcP50 <= 0.15 },
      { name: "gRPC GetState added p99", value: ms(addedGrpcP99), target: "<= 1.000 ms", pass: addedGrpcP99 <= 1 },
      { name: "gRPC GetState throughput / direct", value: `${(tputRatio * 100).toFixed(1)} %`, target: ">= 50 %", pass: tputRatio >= 0.5 },
      { name: "HTTP GET state added p50", value: ms(addedHttpP50), target: "<= 0.300 ms", pass: addedHttpP50 <= 0.3 },
    ];
    const report = formatChecks(
      `state GET, ${valueBytes} B values, ${connections} connections`,
      describeComparison(cmp, { ...co, unit: "request", directLabel: "ioredis GET" }),
      checks,
    );
    return { comparison: cmp, checks, report };
  } finally {
    clients.close();
    await agent.close();
    await floor.close();
    await redis.del(directKey, `${appId}||${key}`).catch(() => 0);
    redis.disconnect();
    await sidecar.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runStateBench().then((r) => console.log(r.report), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
