// State GET through the sidecar vs. Redis directly (issue 2 "Speed"): 1 KiB
// values, 16 requests in flight, gRPC GetState and HTTP GET against ioredis
// GET on the same Redis. Rounds alternate (direct, gRPC, HTTP, ...) so a
// noisy neighbour slows all sides alike; only differences and ratios are judged.
//   node dist/bench/state-bench.js
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

export interface StateBenchOptions {
  inFlight?: number;
  valueBytes?: number;
  rounds?: number;
  roundMs?: number;
}

export interface StateBenchResult {
  direct: LoadResult;
  grpc: LoadResult;
  http: LoadResult;
  checks: Check[];
  report: string;
}

const STORE = "benchstore";

function resources(): string {
  return redisComponentDir(STORE, "state.redis");
}

export async function runStateBench(o: StateBenchOptions = {}): Promise<StateBenchResult> {
  const inFlight = o.inFlight ?? 16;
  const valueBytes = o.valueBytes ?? 1024;
  const rounds = o.rounds ?? 3;
  const roundMs = o.roundMs ?? 2_000;
  const appId = `bench-${process.pid}-${Date.now().toString(36)}`;
  const key = "order-1";
  const value = "x".repeat(valueBytes - 2); // stored as a JSON string: 1 KiB with its quotes

  const sidecar = await startBenchSidecar(appId, ["--resources-path", resources()]);
  const redis = new Redis({ host: services.redis.host, port: services.redis.port });
  const Client = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
  const client = new Client(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  const agent = new Agent({ connections: inFlight, pipelining: 1 });
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
      client["GetState"]({ store_name: STORE, key }, (err: grpc.ServiceError | null, res: { data: Buffer }) => {
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

    const cmp = await comparePaths({ direct, grpc: viaGrpc, http: viaHttp }, { inFlight, rounds, roundMs, sidecarPid: sidecar.proc.pid! });
    const { direct: d, grpc: g, http: h } = cmp;
    const cpu = cmp.cpuMs;
    const p = (r: LoadResult, q: number) => percentile(r.latenciesMs, q);
    const addedGrpcP50 = p(g, 50) - p(d, 50);
    const addedGrpcP99 = p(g, 99) - p(d, 99);
    const addedHttpP50 = p(h, 50) - p(d, 50);
    const tputRatio = g.throughput / d.throughput;
    const checks: Check[] = [
      { name: "gRPC GetState added p50", value: ms(addedGrpcP50), target: "<= 0.150 ms", pass: addedGrpcP50 <= 0.15 },
      { name: "gRPC GetState added p99", value: ms(addedGrpcP99), target: "<= 1.000 ms", pass: addedGrpcP99 <= 1 },
      { name: "gRPC GetState throughput / direct", value: `${(tputRatio * 100).toFixed(1)} %`, target: ">= 50 %", pass: tputRatio >= 0.5 },
      { name: "HTTP GET state added p50", value: ms(addedHttpP50), target: "<= 0.300 ms", pass: addedHttpP50 <= 0.3 },
    ];
    const row = (name: string, r: LoadResult) =>
      `${name.padEnd(18)} p50 ${ms(p(r, 50))}  p99 ${ms(p(r, 99))}  ${Math.round(r.throughput)} req/s  (${r.latenciesMs.length} requests, ${r.errors} errors)`;
    const report = formatChecks(`state GET, ${valueBytes} B values, ${inFlight} in flight, ${rounds} x ${roundMs} ms rounds per side`, [
      row("ioredis GET", d), row("sidecar gRPC", g), row("sidecar HTTP", h),
      `HTTP throughput / direct: ${((h.throughput / d.throughput) * 100).toFixed(1)} %`,
      `sidecar CPU per request: gRPC ${ms(cpu.grpc / g.latenciesMs.length)}, HTTP ${ms(cpu.http / h.latenciesMs.length)}`,
    ], checks);
    return { direct: d, grpc: g, http: h, checks, report };
  } finally {
    client.close();
    await agent.close();
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
