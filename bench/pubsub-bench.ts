// Pub/sub benchmarks (issue: pub/sub speed).
// 1. gRPC PublishEvent to pubsub.in-memory at 1,000 msg/s: p90 through the
//    sidecar against the same paced load on a no-op gRPC server (another process, as
//    the sidecar is: bench/transport-floor.ts) in this run
//    (the transport's own cost); the difference is what the sidecar adds.
// 2. pubsub.redis, 1 KiB messages, publish to delivery in an app: messages per
//    second end to end, printed beside raw XADD + XREADGROUP throughput.
import * as grpc from "@grpc/grpc-js";
import http from "node:http";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { daprProto, lookup } from "../sidecar/api/grpc/protos.js";
import { freePort } from "../test/support/services.js";
import { startBenchSidecar } from "./bench-sidecar.js";
import { formatChecks, ms, percentile, type Check } from "./bench-stats.js";
import { pacedLoad } from "./paced-load.js";
import { startTransportFloor } from "./transport-floor.js";

type Client = grpc.Client & Record<string, Function>;

function daprClient(port: number): Client {
  const Ctor = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Client;
}

function unary(c: Client, method: string, req: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => c[method]!(req, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))));
}

async function publishLatency(): Promise<{ lines: string[]; checks: Check[] }> {
  const sidecar = await startBenchSidecar("bench-pub");
  // The baseline: a PublishEvent that does nothing, served by another process as the sidecar
  // is (an in-process server would also save the cross-process wake-ups any sidecar costs).
  const base = await startTransportFloor(1);
  const viaSidecar = daprClient(sidecar.grpcPort);
  const direct = daprClient(base.grpcPort);
  const req = { pubsub_name: "pubsub", topic: "bench", data: Buffer.alloc(1024, 97), data_content_type: "text/plain" };
  try {
    // Warm both paths, then alternate rounds so noise hits both alike.
    await pacedLoad(() => unary(viaSidecar, "PublishEvent", req), 500, 1000);
    await pacedLoad(() => unary(direct, "PublishEvent", req), 500, 1000);
    const s: number[] = [];
    const d: number[] = [];
    // Paired rounds: each sidecar round is compared with the baseline round right after it, and
    // the median of those differences is judged, so one slow phase of a shared machine (which a
    // pooled p90 takes in whole) moves the result by one pair at most.
    const perRound: number[] = [];
    for (let round = 0; round < 6; round++) {
      const sr = (await pacedLoad(() => unary(viaSidecar, "PublishEvent", req), 1000, 1500)).latenciesMs;
      const dr = (await pacedLoad(() => unary(direct, "PublishEvent", req), 1000, 1500)).latenciesMs;
      s.push(...sr);
      d.push(...dr);
      perRound.push(percentile(sr, 90) - percentile(dr, 90));
    }
    const added = percentile(perRound, 50);
    return {
      lines: [
        `gRPC PublishEvent, pubsub.in-memory, 1 KiB, 1,000 msg/s: p90 ${ms(percentile(s, 90))} via sidecar vs ${ms(percentile(d, 90))} no-op gRPC server in another process (p50 ${ms(percentile(s, 50))} vs ${ms(percentile(d, 50))})`,
        `added by the sidecar at p90, median of 6 paired rounds: ${ms(added)} (rounds: ${perRound.map((v) => v.toFixed(2)).join(", ")} ms; pooled ${ms(percentile(s, 90) - percentile(d, 90))})`,
      ],
      checks: [{ name: "publish p90 added", value: ms(added), target: "<= 0.5 ms", pass: added <= 0.5 }],
    };
  } finally {
    viaSidecar.close();
    direct.close();
    await base.close();
    await sidecar.stop();
  }
}

/** Raw Redis Streams throughput: XADD N entries, then read them all back with XREADGROUP + XACK. */
async function rawRedisStreams(n: number, payload: Buffer): Promise<number> {
  const r = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: false });
  const stream = `bench-raw-${process.pid}-${Date.now()}`;
  try {
    await r.xgroup("CREATE", stream, "g", "$", "MKSTREAM");
    const start = performance.now();
    const writer = (async () => {
      for (let i = 0; i < n; i += 100) {
        const p = r.pipeline();
        for (let k = i; k < Math.min(n, i + 100); k++) p.xadd(stream, "*", "data", payload);
        await p.exec();
      }
    })();
    const reader = new Redis({ host: "127.0.0.1", port: 6379 });
    let got = 0;
    while (got < n) {
      const res = (await reader.xreadgroup("GROUP", "g", "c", "COUNT", 100, "BLOCK", 1000, "STREAMS", stream, ">")) as [string, [string, string[]][]][] | null;
      const entries = res?.[0]?.[1] ?? [];
      if (entries.length) await reader.xack(stream, "g", ...entries.map((e) => e[0]));
      got += entries.length;
    }
    await writer;
    reader.disconnect();
    return (n / (performance.now() - start)) * 1000;
  } finally {
    await r.del(stream);
    r.disconnect();
  }
}

async function redisEndToEnd(): Promise<{ lines: string[]; checks: Check[] }> {
  const n = 20_000;
  const payload = Buffer.alloc(1024, 98);
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-bench-pubsub-"));
  mkdirSync(path.join(dir, "res"));
  const topic = `bench-${process.pid}-${Date.now()}`;
  writeFileSync(path.join(dir, "res", "pubsub.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: redis-pubsub }
spec:
  type: pubsub.redis
  version: v1
  metadata:
    - { name: redisHost, value: "127.0.0.1:6379" }
    - { name: concurrency, value: "64" }
    - { name: queueDepth, value: "500" }
`);
  let received = 0;
  let firstAt = 0;
  let doneAt = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const appPort = await freePort();
  const app = http.createServer((req, res) => {
    if (req.url === "/dapr/subscribe") {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify([{ pubsubname: "redis-pubsub", topic, route: "/in" }]));
    }
    req.resume();
    req.on("end", () => {
      res.end();
      // Only deliveries count (the sidecar also probes other app routes at start).
      if (req.method !== "POST" || req.url !== "/in") return;
      if (++received === 1) firstAt = performance.now();
      if (received === n) {
        doneAt = performance.now();
        resolveDone();
      }
    });
  });
  await new Promise<void>((r) => app.listen(appPort, "127.0.0.1", r));
  const sub = await startBenchSidecar("bench-sub", ["--app-port", String(appPort), "--resources-path", path.join(dir, "res")]);
  const pub = await startBenchSidecar("bench-pub2", ["--resources-path", path.join(dir, "res")]);
  const client = daprClient(pub.grpcPort);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const start = performance.now();
    const entries = (from: number) => Array.from({ length: 100 }, (_, k) => ({ entry_id: String(from + k), event: payload, content_type: "text/plain", metadata: {} }));
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(Array.from({ length: 10 }, (_, b) => unary(client, "BulkPublishEvent", { pubsub_name: "redis-pubsub", topic, entries: entries(i + b * 100), metadata: {} })));
    }
    const timeout = setTimeout(resolveDone, 60_000);
    await done;
    clearTimeout(timeout);
    const endToEnd = (received / ((doneAt || performance.now()) - start)) * 1000;
    const raw = await rawRedisStreams(n, payload);
    return {
      lines: [
        `pubsub.redis, 1 KiB, ${n} messages: ${endToEnd.toFixed(0)} msg/s publish-to-delivery (${received} delivered; first after ${(firstAt - start).toFixed(0)} ms)`,
        `raw XADD + XREADGROUP/XACK with ioredis in this run: ${raw.toFixed(0)} msg/s; ratio ${(endToEnd / raw).toFixed(2)}`,
      ],
      checks: [{ name: "redis publish-to-delivery", value: `${endToEnd.toFixed(0)} msg/s`, target: ">= 5000 msg/s", pass: endToEnd >= 5000 && received === n }],
    };
  } finally {
    client.close();
    await pub.stop();
    await sub.stop();
    app.close();
  }
}

export async function runPubSubBench(): Promise<{ report: string; checks: Check[] }> {
  const a = await publishLatency();
  const b = await redisEndToEnd();
  return { report: formatChecks("pub/sub", [...a.lines, ...b.lines], [...a.checks, ...b.checks]), checks: [...a.checks, ...b.checks] };
}
