// Runs the real `dapr-ts sidecar` (compiled CLI) as a child process, on free
// ports, and waits until it is healthy. Tests talk to it over the wire only.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./services.js";
import { sidecarNodeOptions } from "../../cli/sidecar-heap.js";

/** The repository root, found from this file whether it runs as source or compiled under dist/. */
export const repoRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if (existsSync(path.join(d, "package.json")) && !d.endsWith(`${path.sep}dist`)) return d;
  }
  throw new Error(`no package.json above ${dir}`);
}
// The CLI as shipped (package.json "bin"): the bundle `make build` writes.
export const cliPath = path.join(repoRoot, "dist/bundle/main.js");

export interface SidecarProcess {
  appId: string;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  publicPort: number;
  proc: ChildProcess;
  logs: () => string;
  /** SIGTERM and wait for exit; resolves the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  http(pathname: string, init?: RequestInit): Promise<Response>;
  /** Resolves once /v1.0/healthz answers 204 (for sidecars started with waitReady: false). */
  ready(): Promise<void>;
}

export interface SidecarStartOptions {
  appId?: string;
  resourcesPaths?: string[];
  args?: string[];
  env?: Record<string, string>;
  /** Wait for healthz (default true). */
  waitReady?: boolean;
}

export async function startSidecar(o: SidecarStartOptions = {}): Promise<SidecarProcess> {
  // A free port can be taken by a parallel test between picking it and binding it:
  // start again on fresh ports when that is why the sidecar stopped.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSidecarOnce(o);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function startSidecarOnce(o: SidecarStartOptions): Promise<SidecarProcess> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} not found: run 'make build' first`);
  const appId = o.appId ?? `app-${Math.random().toString(36).slice(2, 8)}`;
  const [httpPort, grpcPort, metricsPort, publicPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const args = [
    cliPath, "sidecar", "--app-id", appId,
    "--dapr-http-port", String(httpPort), "--dapr-grpc-port", String(grpcPort),
    "--metrics-port", String(metricsPort), "--dapr-public-port", String(publicPort),
    ...(o.resourcesPaths ?? []).flatMap((p) => ["--resources-path", p]),
    ...(o.args ?? []),
  ];
  const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-home-"));
  const proc = spawn(process.execPath, args, {
    // The heap flags the launchers give a sidecar, so tests run it as it is deployed.
    env: { ...process.env, NODE_OPTIONS: sidecarNodeOptions(process.env.NODE_OPTIONS), DAPR_TS_HOME: home, ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout!.on("data", (d) => (output += d));
  proc.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const sc: SidecarProcess = {
    appId, httpPort, grpcPort, metricsPort, publicPort, proc,
    logs: () => output,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGKILL");
      await exited;
    },
    http: (p, init) => fetch(`http://127.0.0.1:${httpPort}${p}`, init),
    ready: () => waitHealthy(sc, exited),
  };
  if (o.waitReady ?? true) await sc.ready();
  return sc;
}

async function waitHealthy(sc: SidecarProcess, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + 60_000;
  let done = false;
  void exited.then(() => (done = true));
  while (Date.now() < deadline) {
    if (done) throw new Error(`sidecar exited during start-up:\n${sc.logs()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${sc.publicPort}/v1.0/healthz`);
      if (r.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sidecar not healthy after 60 s:\n${sc.logs()}`);
}

/** Waits for the process to exit by itself; resolves its exit code. */
export function waitExit(sc: SidecarProcess, timeoutMs = 15_000): Promise<number | null> {
  if (sc.proc.exitCode !== null) return Promise.resolve(sc.proc.exitCode);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("sidecar did not exit")), timeoutMs);
    sc.proc.once("exit", (code) => { clearTimeout(t); resolve(code); });
  });
}
