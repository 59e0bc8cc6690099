// Starts the sidecar as shipped (dist/bundle/main.js, `make build`) for a benchmark, on free
// ports, and measures how long it takes from spawn to a 204 from healthz.
// Works both from dist/bench (make bench) and from bench/ under tsx.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../test/support/services.js";
import { sidecarNodeOptions } from "../cli/sidecar-heap.js";

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("bench: cannot find the repository root (package.json)");
    dir = up;
  }
  return dir;
}

// BENCH_CLI=<path to another build's dist/bundle/main.js> runs that build instead (A/B comparisons).
export const benchCliPath = process.env.BENCH_CLI ?? path.join(findRepoRoot(), "dist/bundle/main.js");

export interface BenchSidecar {
  proc: ChildProcess;
  httpPort: number;
  grpcPort: number;
  /** Milliseconds from spawn to the first 204 from /v1.0/healthz. */
  startToHealthyMs: number;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * `cli`: another build's dist/bundle/main.js (A/B runs); `home`: its DAPR_TS_HOME (sidecars that must
 * find each other share one); `nodeArgs`: node options for this sidecar only (after BENCH_NODE_ARGS).
 */
export async function startBenchSidecar(appId: string, args: string[] = [], opts: { cli?: string; home?: string; nodeArgs?: string[] } = {}): Promise<BenchSidecar> {
  const cliPath = opts.cli ?? benchCliPath;
  if (!existsSync(cliPath)) throw new Error(`${cliPath} not found: run 'make build' first`);
  const [httpPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-bench-"));
  const started = performance.now();
  // BENCH_CPU_PROF=<dir> profiles the sidecar (written when it exits), to find where time goes.
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
  // BENCH_NODE_ARGS="--prof ..." passes other node options (e.g. V8's tick profiler, which also sees native code).
  if (process.env.BENCH_NODE_ARGS) prof.push(...process.env.BENCH_NODE_ARGS.split(" ").filter(Boolean));
  if (opts.nodeArgs) prof.push(...opts.nodeArgs);
  const proc = spawn(process.execPath, [
    ...prof, cliPath, "sidecar", "--app-id", appId, "--log-level", "warn",
    "--dapr-http-port", String(httpPort), "--dapr-grpc-port", String(grpcPort), "--metrics-port", String(metricsPort),
    ...args,
  // A benchmark that runs several sidecars which must find each other sets DAPR_TS_HOME itself.
  // NODE_OPTIONS as the launchers set it (cli/sidecar-heap.ts), so memory is measured as deployed.
  ], { env: { ...process.env, NODE_OPTIONS: sidecarNodeOptions(process.env.NODE_OPTIONS), DAPR_TS_HOME: opts.home ?? process.env.DAPR_TS_HOME ?? home }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout!.on("data", (d) => (output += d));
  proc.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  // Generous: on a loaded machine module loading alone can take many seconds.
  const deadline = started + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`sidecar exited during start-up:\n${output}`);
    if (performance.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`sidecar not healthy after 60 s:\n${output}`);
    }
    try {
      const r = await fetch(`http://127.0.0.1:${httpPort}/v1.0/healthz`);
      if (r.status === 204) break;
    } catch {
      // not listening yet
    }
    // Short polls: the poll interval bounds the error of the start-up time.
    await new Promise((r) => setTimeout(r, 2));
  }
  const startToHealthyMs = performance.now() - started;
  return {
    proc, httpPort, grpcPort, startToHealthyMs,
    logs: () => output,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** Resident memory of a process in MiB, from /proc/<pid>/status (Linux). */
export function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (Linux). */
export function cpuTimeMs(pid: number): number {
  const { userMs, systemMs } = cpuTimesMs(pid);
  return userMs + systemMs;
}

/** User and system CPU time a process has used so far, in ms, from /proc/<pid>/stat (Linux). */
export function cpuTimesMs(pid: number): { userMs: number; systemMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields,
  // in clock ticks of USER_HZ = 100.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { userMs: Number(fields[11]) * 10, systemMs: Number(fields[12]) * 10 };
}
