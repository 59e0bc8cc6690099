// Runs one or more (sidecar, app) pairs as child processes: free ports where
// none were given, prefixed output, signals forwarded, clean stop of all.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { flagValue } from "./run-command.js";
import { sidecarNodeOptions } from "./sidecar-heap.js";

export interface AppSpec {
  appId: string;
  sidecarFlags: string[];
  command: string[];
  cwd: string;
  env: Record<string, string>;
}

const cliMain = fileURLToPath(new URL("./main.js", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

function pipePrefixed(proc: ChildProcess, prefix: string): void {
  for (const stream of [proc.stdout, proc.stderr]) {
    let rest = "";
    stream?.on("data", (d: Buffer) => {
      const lines = (rest + d.toString()).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) process.stdout.write(`${prefix} ${l}\n`);
    });
    stream?.on("end", () => rest && process.stdout.write(`${prefix} ${rest}\n`));
  }
}

export async function startRunGroup(specs: AppSpec[]): Promise<number> {
  const children: ChildProcess[] = [];
  const exits: Promise<number>[] = [];
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals = "SIGTERM") => {
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  process.once("SIGINT", () => stopAll("SIGTERM"));
  process.once("SIGTERM", () => stopAll("SIGTERM"));

  for (const spec of specs) {
    const flags = [...spec.sidecarFlags];
    const ensure = async (name: string) => {
      const v = flagValue(flags, name);
      if (v) return Number(v);
      const p = await freePort();
      flags.push(`--${name}`, String(p));
      return p;
    };
    const httpPort = await ensure("dapr-http-port");
    const grpcPort = await ensure("dapr-grpc-port");
    await ensure("metrics-port");
    const appPort = flagValue(flags, "app-port");
    // The sidecar's heap settings that V8 only reads at start-up (see sidecar-heap.ts).
    const env = { ...process.env, NODE_OPTIONS: sidecarNodeOptions(process.env.NODE_OPTIONS) };
    const sidecar = spawn(process.execPath, [cliMain, "sidecar", ...flags], { stdio: ["ignore", "pipe", "pipe"], env });
    children.push(sidecar);
    pipePrefixed(sidecar, `== DAPR (${spec.appId}) ==`);
    const sidecarExit = new Promise<number>((resolve) => sidecar.once("exit", (code, signal) => resolve(exitCode(code, signal, stopping))));
    exits.push(sidecarExit);
    process.stdout.write(`dapr-ts: started sidecar for ${spec.appId} (HTTP ${httpPort}, gRPC ${grpcPort})\n`);

    if (spec.command.length > 0) {
      const app = spawn(spec.command[0]!, spec.command.slice(1), {
        cwd: spec.cwd,
        stdio: ["inherit", "pipe", "pipe"],
        env: {
          ...process.env,
          ...spec.env,
          DAPR_HTTP_PORT: String(httpPort),
          DAPR_GRPC_PORT: String(grpcPort),
          APP_ID: spec.appId,
          ...(appPort ? { APP_PORT: appPort } : {}),
        },
      });
      children.push(app);
      pipePrefixed(app, `== APP (${spec.appId}) ==`);
      exits.push(
        new Promise<number>((resolve) => {
          app.once("error", (err) => {
            process.stderr.write(`dapr-ts: cannot start ${spec.command[0]}: ${err.message}\n`);
            resolve(127);
          });
          app.once("exit", (code, signal) => {
            process.stdout.write(`dapr-ts: app ${spec.appId} exited with ${signal ?? `code ${code}`}\n`);
            const result = exitCode(code, signal, stopping);
            // With a single app, its end is the end of the run (as `dapr run`).
            if (specs.length === 1 && !stopping) stopAll();
            resolve(result);
          });
        }),
      );
    }
    // An app whose sidecar dies cannot work: stop everything.
    void sidecarExit.then((code) => {
      if (!stopping && code !== 0) {
        process.stderr.write(`dapr-ts: sidecar for ${spec.appId} exited with code ${code}; stopping\n`);
        stopAll();
      }
    });
  }
  const codes = await Promise.all(exits);
  return codes.find((c) => c !== 0) ?? 0;
}

/** A child we stopped ourselves (by signal) ended cleanly; any other signal death is a failure. */
function exitCode(code: number | null, signal: NodeJS.Signals | null, stopping: boolean): number {
  if (code !== null) return code;
  return stopping ? 0 : 128 + (signal === "SIGKILL" ? 9 : 15);
}
