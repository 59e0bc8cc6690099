// Sidecar start-up (spawn -> healthz 204) and idle resident memory, on the
// embedded default (SQLite state, in-memory pub/sub). The baseline, measured
// in the same run, is a bare `node` that starts an HTTP server and answers
// one request: what any Node process costs before dapr-ts does anything.
//   node dist/bench/startup-bench.js
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../test/support/services.js";
import { formatChecks, median, type Check } from "./bench-stats.js";
import { cpuTimeMs, residentMiB, startBenchSidecar } from "./bench-sidecar.js";

export interface StartupBenchResult {
  startToHealthyMs: number;
  baselineStartMs: number;
  idleRssMiB: number;
  baselineRssMiB: number;
  checks: Check[];
  report: string;
}

async function bareNodeStart(): Promise<{ ms: number; rssMiB: number; cpuMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, ["-e", `require("node:http").createServer((q, s) => { s.statusCode = 204; s.end(); }).listen(${port}, "127.0.0.1")`], { stdio: "ignore" });
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error("baseline node exited");
      try {
        if ((await fetch(`http://127.0.0.1:${port}/`)).status === 204) break;
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const ms = performance.now() - started;
    const cpuMs = cpuTimeMs(proc.pid!);
    await new Promise((r) => setTimeout(r, 1000));
    return { ms, rssMiB: residentMiB(proc.pid!), cpuMs };
  } finally {
    proc.kill("SIGKILL");
  }
}

export async function runStartupBench(runs = 5): Promise<StartupBenchResult> {
  const starts: number[] = [];
  const baselines: number[] = [];
  const rss: number[] = [];
  const baseRss: number[] = [];
  // CPU time each process used until healthy: unlike wall time, barely inflated
  // when other work shares the machine (a detail line, not a check).
  const cpu: number[] = [];
  const baseCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate with the baseline so both see the same machine load.
    const base = await bareNodeStart();
    baselines.push(base.ms);
    baseRss.push(base.rssMiB);
    baseCpu.push(base.cpuMs);
    const sc = await startBenchSidecar(`startup-${process.pid}-${i}`);
    try {
      starts.push(sc.startToHealthyMs);
      cpu.push(cpuTimeMs(sc.proc.pid!));
      // "Idle": started, healthy, nothing asked of it for a second.
      await new Promise((r) => setTimeout(r, 1000));
      rss.push(residentMiB(sc.proc.pid!));
    } finally {
      await sc.stop();
    }
  }
  const startToHealthyMs = median(starts);
  const baselineStartMs = median(baselines);
  const idleRssMiB = median(rss);
  const baselineRssMiB = median(baseRss);
  const checks: Check[] = [
    { name: "start to healthy (median)", value: `${startToHealthyMs.toFixed(0)} ms`, target: "<= 400 ms", pass: startToHealthyMs <= 400 },
    { name: "idle resident memory (median)", value: `${idleRssMiB.toFixed(1)} MiB`, target: "<= 70 MB", pass: idleRssMiB * 1.048576 <= 70 },
  ];
  const report = formatChecks(`sidecar start-up and idle memory, ${runs} runs, embedded default`, [
    `start to healthy: ${starts.map((v) => v.toFixed(0)).join(", ")} ms; bare node HTTP server: ${baselines.map((v) => v.toFixed(0)).join(", ")} ms`,
    `start-up / bare node: ${(startToHealthyMs / baselineStartMs).toFixed(2)} x`,
    `idle RSS: ${idleRssMiB.toFixed(1)} MiB; bare node: ${baselineRssMiB.toFixed(1)} MiB (${(idleRssMiB / baselineRssMiB).toFixed(2)} x)`,
    `CPU time to healthy (all threads, median): ${median(cpu).toFixed(0)} ms; bare node: ${median(baseCpu).toFixed(0)} ms`,
  ], checks);
  return { startToHealthyMs, baselineStartMs, idleRssMiB, baselineRssMiB, checks, report };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runStartupBench().then((r) => console.log(r.report), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
