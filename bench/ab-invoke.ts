// A/B comparison of two builds on the invocation path: two pairs of sidecars
// (caller and callee), one per build, over the same trivial app, loaded in
// alternating closed-loop rounds, A then B then B then A, so a noisy phase of
// the machine hits both. Prints each round's CPU per call (caller, callee) and
// throughput, and the medians with B's ratio to A. CPU per call is the measure
// that holds on a shared machine; wall-clock rates swing with the neighbours.
//
//   node dist/bench/ab-invoke.js <A main.js> <B main.js> [--rounds N] [--ms M] [--grpc]
//                                [--a-node-args "..."] [--b-node-args "..."]
//
// The same build twice, with node options for one side, compares V8 or Node flags.
// A build to compare against must sit under this checkout (for example a copy
// of an older dist/bundle in .tmp/), so its bundle resolves node_modules here.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { cpuTimesMs, startBenchSidecar, type BenchSidecar } from "./bench-sidecar.js";
import { closedLoop, median } from "./bench-stats.js";
import { grpcCaller, httpCaller, trivialApp } from "./invoke-bench.js";

interface Pair {
  label: string;
  caller: BenchSidecar;
  callee: BenchSidecar;
  call: () => Promise<void>;
  close(): Promise<void> | void;
}

interface Round {
  callerUs: number;
  calleeUs: number;
  /** User-space CPU of both (what the code runs; system time moves more with the machine's load). */
  userUs: number;
  rate: number;
}

async function startPair(label: string, cli: string, appPort: number, grpc: boolean, nodeArgs: string): Promise<Pair> {
  // Each pair has its own home, so each caller finds its own build's callee.
  const home = mkdtempSync(path.join(os.tmpdir(), `dapr-ts-ab-${label}-`));
  const opts = { cli, home, nodeArgs: nodeArgs.split(" ").filter(Boolean) };
  const callee = await startBenchSidecar("bench-callee", ["--app-port", String(appPort)], opts);
  const caller = await startBenchSidecar("bench-caller", [], opts);
  const client = grpc ? grpcCaller(caller.grpcPort) : httpCaller(caller.httpPort);
  return { label, caller, callee, call: client.call, close: () => client.close() };
}

async function round(pair: Pair, ms: number): Promise<Round> {
  const pids = [pair.caller.proc.pid!, pair.callee.proc.pid!];
  const before = pids.map(cpuTimesMs);
  const load = await closedLoop(pair.call, 16, ms);
  const used = pids.map((pid, i) => {
    const now = cpuTimesMs(pid);
    return { userMs: now.userMs - before[i]!.userMs, systemMs: now.systemMs - before[i]!.systemMs };
  });
  const perCall = (msUsed: number) => (msUsed * 1000) / load.latenciesMs.length;
  return {
    callerUs: perCall(used[0]!.userMs + used[0]!.systemMs),
    calleeUs: perCall(used[1]!.userMs + used[1]!.systemMs),
    userUs: perCall(used[0]!.userMs + used[1]!.userMs),
    rate: load.throughput,
  };
}

const show = (r: Round) =>
  `caller ${r.callerUs.toFixed(1)} µs, callee ${r.calleeUs.toFixed(1)} µs, sum ${(r.callerUs + r.calleeUs).toFixed(1)} µs (user ${r.userUs.toFixed(1)}), ${r.rate.toFixed(0)} calls/s`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rounds: { type: "string", default: "8" }, ms: { type: "string", default: "1500" }, grpc: { type: "boolean", default: false },
      "a-node-args": { type: "string", default: "" }, "b-node-args": { type: "string", default: "" },
    },
  });
  const [cliA, cliB] = positionals;
  if (!cliA || !cliB) throw new Error("usage: ab-invoke <A main.js> <B main.js> [--rounds N] [--ms M] [--grpc]");
  const rounds = Number(values.rounds);
  const ms = Number(values.ms);
  const app = await trivialApp();
  const pairs = [
    await startPair("A", path.resolve(cliA), app.port, values.grpc, values["a-node-args"]),
    await startPair("B", path.resolve(cliB), app.port, values.grpc, values["b-node-args"]),
  ];
  const results: Round[][] = [[], []];
  try {
    for (const p of pairs) await closedLoop(p.call, 16, 1500);
    for (let r = 0; r < rounds; r++) {
      // A B, then B A: neither build always runs right after the other.
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) results[i]!.push(await round(pairs[i]!, ms));
      const [a, b] = [results[0]!.at(-1)!, results[1]!.at(-1)!];
      console.log(`round ${r + 1}: A ${show(a)} | B ${show(b)} | B/A CPU ${((b.callerUs + b.calleeUs) / (a.callerUs + a.calleeUs)).toFixed(3)}, user ${(b.userUs / a.userUs).toFixed(3)}`);
    }
    const med = results.map((rs) => ({
      callerUs: median(rs.map((r) => r.callerUs)), calleeUs: median(rs.map((r) => r.calleeUs)), userUs: median(rs.map((r) => r.userUs)), rate: median(rs.map((r) => r.rate)),
    }));
    const sumRatios = results[1]!.map((b, i) => (b.callerUs + b.calleeUs) / (results[0]![i]!.callerUs + results[0]![i]!.calleeUs));
    const userRatios = results[1]!.map((b, i) => b.userUs / results[0]![i]!.userUs);
    console.log(`median A: ${show(med[0]!)}`);
    console.log(`median B: ${show(med[1]!)}`);
    console.log(`B/A: caller ${(med[1]!.callerUs / med[0]!.callerUs).toFixed(3)}, callee ${(med[1]!.calleeUs / med[0]!.calleeUs).toFixed(3)}, ` +
      `sum per round (median) ${median(sumRatios).toFixed(3)}, user per round (median) ${median(userRatios).toFixed(3)}, rate ${(med[1]!.rate / med[0]!.rate).toFixed(3)}`);
  } finally {
    for (const p of pairs) {
      await p.close();
      await p.caller.stop();
      await p.callee.stop();
    }
    app.close();
  }
}

await main();
