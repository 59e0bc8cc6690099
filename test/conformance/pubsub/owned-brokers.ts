// Throwaway brokers owned by one test, on a free port, so a test can kill and
// restart them without disturbing the shared services other files use.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "../../support/services.js";

export interface OwnedBroker {
  port: number;
  url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port (and data directory). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function owned(command: string, args: (port: number, dir: string) => string[], scheme: string): Promise<OwnedBroker> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), `dapr-ts-${command}-`));
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(command, args(port, dir), { stdio: "ignore" });
    await waitForPort(port);
  };
  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGKILL");
    });
  };
  await start();
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    start,
    kill,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nats-server with JetStream, storing streams under its own directory (they survive a restart). */
export function startOwnedNats(): Promise<OwnedBroker> {
  return owned("nats-server", (port, dir) => ["-p", String(port), "-a", "127.0.0.1", "-js", "-sd", dir], "nats");
}

/** mosquitto listening on 127.0.0.1 only, without persistence. */
export function startOwnedMosquitto(): Promise<OwnedBroker> {
  return owned(
    "mosquitto",
    (port, dir) => {
      const conf = path.join(dir, "mosquitto.conf");
      writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
      return ["-c", conf];
    },
    "mqtt",
  );
}
