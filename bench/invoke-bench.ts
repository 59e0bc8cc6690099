// Service invocation benchmark (issue: invocation speed). A load client calls
// a trivial HTTP app through two sidecars (caller's and callee's), 1 KiB
// bodies, 16 connections, a fixed 1,000 requests/s, against the same app
// called directly in the same run: added p50/p90/p99; then saturation
// throughput of both paths (closed loops, rounds alternating between the paths);
// and each sidecar's resident memory under load.
// The same for gRPC (InvokeService on the caller's sidecar).
//
// Beside them, the floor (bench/proxy-chain-floor.ts): the same calls through
// two minimal Node relays in place of the sidecars, in the same alternating
// rounds, so the report can tell how much of the added latency and the lost
// throughput any two Node hops cost on this machine, and how much is the
// sidecars' own. For gRPC the first relay serves InvokeService over node:http2
// (the gRPC floor).
//
// Memory: the issue asks for each sidecar's resident memory "under that load"
// (the fixed 1,000 requests/s, as Dapr reports its sidecar's memory from its
// 1,000 QPS test): sampled every 100 ms during the paced rounds, the largest
// sample judged against 80 MB (decimal, as the issue and Dapr write it). The
// resident memory after the saturation rounds is printed beside it.
import http from "node:http";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Pool } from "undici";
import { freePort } from "../test/support/services.js";
import { cpuTimeMs, residentMiB, startBenchSidecar } from "./bench-sidecar.js";
import { closedLoop, formatChecks, merge, ms, percentile, type Check, type LoadResult } from "./bench-stats.js";
import { encodeFields, leanGrpcClient } from "./lean-grpc-client.js";
import { pacedLoad } from "./paced-load.js";
import { startProxyChainFloor } from "./proxy-chain-floor.js";

/** 80 MB, as the issue writes it, in MiB (what /proc reports in kB of 1,024 bytes). */
const RSS_TARGET_MIB = 80e6 / 2 ** 20;

/** The largest resident memory each process reaches while `work` runs, sampled every `everyMs`. */
async function peakResidentMiB(pids: number[], work: () => Promise<void>, everyMs = 100): Promise<number[]> {
  const peaks = pids.map(residentMiB);
  const timer = setInterval(() => pids.forEach((pid, i) => (peaks[i] = Math.max(peaks[i]!, residentMiB(pid)))), everyMs);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  pids.forEach((pid, i) => (peaks[i] = Math.max(peaks[i]!, residentMiB(pid))));
  return peaks;
}

interface SaturationPath {
  call: () => Promise<void>;
  /** Processes whose CPU is counted per call (none for the direct path). */
  pids: number[];
}

/**
 * Closed loops of 16 in flight on each path in turn, `rounds` times (so a noisy
 * phase of the machine hits every path, as the paced rounds do), and the CPU
 * each path's processes spent per call over its rounds (µs).
 */
async function saturated(paths: SaturationPath[], rounds = 3, ms = 1500): Promise<{ load: LoadResult; cpuPerCall: number[] }[]> {
  const loads = paths.map(() => [] as LoadResult[]);
  const cpuMs = paths.map((p) => p.pids.map(() => 0));
  for (let r = 0; r < rounds; r++) {
    for (const [i, p] of paths.entries()) {
      const before = p.pids.map(cpuTimeMs);
      loads[i]!.push(await closedLoop(p.call, 16, ms));
      p.pids.forEach((pid, j) => (cpuMs[i]![j]! += cpuTimeMs(pid) - before[j]!));
    }
  }
  return paths.map((_, i) => {
    const load = merge(loads[i]!);
    return { load, cpuPerCall: cpuMs[i]!.map((c) => (c * 1000) / load.latenciesMs.length) };
  });
}

const body = Buffer.alloc(1024, 120);

export async function trivialApp(): Promise<{ port: number; close(): void }> {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { port, close: () => server.close() };
}

export function httpCaller(port: number): { call: () => Promise<void>; close(): Promise<void>; pool: Pool } {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16 });
  return {
    pool,
    call: async () => {
      const r = await pool.request({ method: "POST", path: `/v1.0/invoke/bench-callee/method/echo`, body, headers: { "content-type": "application/octet-stream" } });
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
    },
    close: () => pool.close(),
  };
}

export function directCaller(port: number): { call: () => Promise<void>; close(): Promise<void> } {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16 });
  return {
    call: async () => {
      const r = await pool.request({ method: "POST", path: "/echo", body, headers: { "content-type": "application/octet-stream" } });
      await r.body.arrayBuffer();
    },
    close: () => pool.close(),
  };
}

/**
 * InvokeService on the caller's sidecar over 16 connections, from the lean
 * HTTP/2 client (lean-grpc-client.ts), as a Go load tool would send it: 16
 * grpc-js clients in the bench process cost more CPU per call than the
 * sidecars, on the same two cores, and the bench then measured them.
 */
export function grpcCaller(port: number): { call: () => Promise<void>; close(): void } {
  const client = leanGrpcClient("127.0.0.1", port, 16);
  // InvokeServiceRequest{id, message: InvokeRequest{method, data: Any{value}, content_type, http_extension: {verb: POST}}}
  const request = encodeFields([
    [1, "bench-callee"],
    [3, encodeFields([[1, "echo"], [2, encodeFields([[2, body]])], [3, "application/octet-stream"], [4, encodeFields([[1, 3]])]])],
  ]);
  return {
    call: async () => {
      const response = await client.unary("/dapr.proto.runtime.v1.Dapr/InvokeService", request);
      // InvokeResponse{data: Any{value: "ok"}}: the app's answer came back.
      if (!response.includes("ok")) throw new Error("InvokeService returned no answer from the app");
    },
    close: () => client.close(),
  };
}

function latencyLines(label: string, via: LoadResult, direct: LoadResult): { lines: string[]; added: number[] } {
  const ps = [50, 90, 99];
  const added = ps.map((p) => percentile(via.latenciesMs, p) - percentile(direct.latenciesMs, p));
  return {
    added,
    lines: [
      `${label} at 1,000 req/s: ${ps.map((p) => `p${p} ${ms(percentile(via.latenciesMs, p))}`).join(", ")} vs direct ${ps.map((p) => `p${p} ${ms(percentile(direct.latenciesMs, p))}`).join(", ")} (errors ${via.errors}/${direct.errors})`,
      `added by the two sidecars: ${ps.map((p, i) => `p${p} ${ms(added[i]!)}`).join(", ")}`,
    ],
  };
}

export async function runInvokeBench(): Promise<{ report: string; checks: Check[] }> {
  const app = await trivialApp();
  const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-bench-invoke-"));
  process.env.DAPR_TS_HOME = home;
  const callee = await startBenchSidecar("bench-callee", ["--app-port", String(app.port)]);
  const caller = await startBenchSidecar("bench-caller");
  const via = httpCaller(caller.httpPort);
  const direct = directCaller(app.port);
  const viaGrpc = grpcCaller(caller.grpcPort);
  const relays = await startProxyChainFloor(app.port);
  const floor = { ...directCaller(relays.port), pids: relays.pids };
  const floorGrpc = grpcCaller(relays.grpc.port);
  const lines: string[] = [];
  const checks: Check[] = [];
  try {
    await closedLoop(via.call, 16, 1500);
    await closedLoop(direct.call, 16, 500);
    await closedLoop(floor.call, 16, 500);
    // Paced rounds alternate (sidecars, direct, relays) so a noisy phase of the machine hits all three.
    const pids = [caller.proc.pid!, callee.proc.pid!];
    const rounds = { via: [] as LoadResult[], direct: [] as LoadResult[], floor: [] as LoadResult[] };
    let pacedRss = pids.map(residentMiB);
    let relayRss = floor.pids.map(residentMiB);
    for (let i = 0; i < 3; i++) {
      const peaks = await peakResidentMiB(pids, async () => void rounds.via.push(await pacedLoad(via.call, 1000, 1700)));
      pacedRss = pacedRss.map((m, j) => Math.max(m, peaks[j]!));
      rounds.direct.push(await pacedLoad(direct.call, 1000, 1700));
      const relayPeaks = await peakResidentMiB(floor.pids, async () => void rounds.floor.push(await pacedLoad(floor.call, 1000, 1700)));
      relayRss = relayRss.map((m, j) => Math.max(m, relayPeaks[j]!));
    }
    const [v, d, f] = [merge(rounds.via), merge(rounds.direct), merge(rounds.floor)];
    const h = latencyLines("HTTP invoke", v, d);
    const fl = latencyLines("two minimal Node relays (floor)", f, d);
    lines.push(...h.lines, ...fl.lines);
    lines.push(`the sidecars' own share over the floor: ${[50, 90, 99].map((p, i) => `p${p} ${ms(h.added[i]! - fl.added[i]!)}`).join(", ")}`);
    checks.push(
      { name: "HTTP added p50", value: ms(h.added[0]!), target: "<= 0.6 ms", pass: h.added[0]! <= 0.6 },
      { name: "HTTP added p90", value: ms(h.added[1]!), target: "<= 0.8 ms", pass: h.added[1]! <= 0.8 },
      { name: "HTTP added p99", value: ms(h.added[2]!), target: "<= 1.5 ms", pass: h.added[2]! <= 1.5 },
    );
    lines.push(`sidecar resident memory at 1,000 req/s (peak of 100 ms samples): caller ${pacedRss[0]!.toFixed(1)} MiB, callee ${pacedRss[1]!.toFixed(1)} MiB; ` +
      `the relays (node:http in, a framed hop between them, undici out) ${relayRss.map((m) => `${m.toFixed(1)} MiB`).join(", ")}`);
    checks.push({
      name: "sidecar RSS at 1,000 req/s",
      value: `${Math.max(...pacedRss).toFixed(1)} MiB`,
      target: `<= 80 MB (${RSS_TARGET_MIB.toFixed(1)} MiB)`,
      pass: Math.max(...pacedRss) <= RSS_TARGET_MIB,
    });
    // CPU per call is the measure that holds up on a shared machine (wall-clock rates swing with the neighbours' load);
    // saturation rounds alternate between the paths, as the paced rounds do.
    const [{ load: satVia, cpuPerCall }, { load: satDirect }, { load: satFloor, cpuPerCall: floorCpuPerCall }] =
      await saturated([{ call: via.call, pids }, { call: direct.call, pids: [] }, { call: floor.call, pids: floor.pids }]);
    const satRss = pids.map(residentMiB);
    const ratio = satVia.throughput / satDirect.throughput;
    lines.push(`saturation (16 in flight, 3 alternating rounds of 1.5 s per path): ${satVia.throughput.toFixed(0)} req/s through the sidecars vs ${satDirect.throughput.toFixed(0)} direct (ratio ${ratio.toFixed(2)}); ` +
      `through the two relays ${satFloor.throughput.toFixed(0)} req/s (ratio ${(satFloor.throughput / satDirect.throughput).toFixed(2)})`);
    lines.push(`CPU per call at saturation: caller's sidecar ${cpuPerCall[0]!.toFixed(0)} µs, callee's ${cpuPerCall[1]!.toFixed(0)} µs; relays ${floorCpuPerCall.map((c) => `${c.toFixed(0)} µs`).join(", ")}`);
    lines.push(`sidecar resident memory after the saturation rounds: caller ${satRss[0]!.toFixed(1)} MiB, callee ${satRss[1]!.toFixed(1)} MiB`);
    checks.push({ name: "HTTP saturation ratio", value: ratio.toFixed(2), target: ">= 0.40", pass: ratio >= 0.4 });

    await closedLoop(viaGrpc.call, 16, 1000);
    await closedLoop(floorGrpc.call, 16, 500);
    const grpcRounds = { via: [] as LoadResult[], direct: [] as LoadResult[], floor: [] as LoadResult[] };
    for (let i = 0; i < 3; i++) {
      grpcRounds.via.push(await pacedLoad(viaGrpc.call, 1000, 1700));
      grpcRounds.direct.push(await pacedLoad(direct.call, 1000, 1700));
      grpcRounds.floor.push(await pacedLoad(floorGrpc.call, 1000, 1700));
    }
    const [g, d2, fg] = [merge(grpcRounds.via), merge(grpcRounds.direct), merge(grpcRounds.floor)];
    const gl = latencyLines("gRPC InvokeService", g, d2);
    const gfl = latencyLines("a minimal Node gRPC relay and a relay (floor)", fg, d2);
    lines.push(...gl.lines, ...gfl.lines);
    lines.push(`the sidecars' own share over the gRPC floor: ${[50, 90, 99].map((p, i) => `p${p} ${ms(gl.added[i]! - gfl.added[i]!)}`).join(", ")}`);
    checks.push(
      { name: "gRPC added p50", value: ms(gl.added[0]!), target: "<= 0.6 ms", pass: gl.added[0]! <= 0.6 },
      { name: "gRPC added p99", value: ms(gl.added[2]!), target: "<= 1.5 ms", pass: gl.added[2]! <= 1.5 },
    );
    const [{ load: satGrpc, cpuPerCall: grpcCpuPerCall }, { load: satDirectGrpcRounds }, { load: satFloorGrpc, cpuPerCall: floorGrpcCpuPerCall }] =
      await saturated([{ call: viaGrpc.call, pids }, { call: direct.call, pids: [] }, { call: floorGrpc.call, pids: relays.grpc.pids }]);
    const gRatio = satGrpc.throughput / satDirectGrpcRounds.throughput;
    lines.push(`gRPC saturation: ${satGrpc.throughput.toFixed(0)} req/s (ratio ${gRatio.toFixed(2)} to direct HTTP, ${satDirectGrpcRounds.throughput.toFixed(0)} req/s in the same rounds); ` +
      `through the gRPC floor ${satFloorGrpc.throughput.toFixed(0)} req/s (ratio ${(satFloorGrpc.throughput / satDirectGrpcRounds.throughput).toFixed(2)})`);
    lines.push(`gRPC CPU per call: caller's sidecar ${grpcCpuPerCall[0]!.toFixed(0)} µs, callee's ${grpcCpuPerCall[1]!.toFixed(0)} µs; ` +
      `gRPC relay ${floorGrpcCpuPerCall[0]!.toFixed(0)} µs, relay ${floorGrpcCpuPerCall[1]!.toFixed(0)} µs`);
    checks.push({ name: "gRPC saturation ratio", value: gRatio.toFixed(2), target: ">= 0.40", pass: gRatio >= 0.4 });
    return { report: formatChecks("service invocation", lines, checks), checks };
  } finally {
    await via.close();
    await direct.close();
    await floor.close();
    await relays.close();
    viaGrpc.close();
    floorGrpc.close();
    await caller.stop();
    await callee.stop();
    app.close();
  }
}
