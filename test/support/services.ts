// Real backing services for tests. Plain conformance runs use the machine's
// services on their standard ports (override with env); tests that kill or
// restart a server start their own throwaway one on a free port.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const services = {
  redis: { host: process.env.TEST_REDIS_HOST ?? "127.0.0.1", port: Number(process.env.TEST_REDIS_PORT ?? 6379) },
  postgres: {
    connectionString: process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
  },
  rabbitmq: { url: process.env.TEST_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672" },
  mqtt: { url: process.env.TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883" },
  nats: { url: process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222" },
};

// Ports come from below the kernel's ephemeral range (32768-60999 on Linux), where it never
// assigns one by itself: a port handed out and released here cannot become, before the server
// it was picked for binds it, the local port of an outgoing connection or of a listener on port
// 0, which is what made a sidecar fail now and then with EADDRINUSE while other test files ran.
// Each vitest worker (VITEST_POOL_ID) takes its own block, so workers never hand out the same
// port; within a block, ports go round from a random start and are checked before use.
const PORT_BLOCK = 1000;
const PORTS_FROM = 20_000;

function ephemeralLow(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

const portBlock = ((): number | undefined => {
  const blocks = Math.floor((ephemeralLow() - PORTS_FROM) / PORT_BLOCK);
  if (blocks < 1) return undefined;
  const id = Number(process.env.VITEST_POOL_ID) || process.pid;
  return PORTS_FROM + (id % blocks) * PORT_BLOCK;
})();
let portCursor = Math.floor(Math.random() * PORT_BLOCK);

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(undefined));
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const bound = typeof addr === "object" && addr ? addr.port : undefined;
      srv.close(() => resolve(bound));
    });
  });
}

/** A TCP port nobody listens on right now, and that the kernel will not hand to anyone else. */
export async function freePort(): Promise<number> {
  if (portBlock !== undefined) {
    for (let tried = 0; tried < PORT_BLOCK; tried++) {
      const port = await listenOnce(portBlock + (portCursor++ % PORT_BLOCK));
      if (port !== undefined) return port;
    }
  }
  const port = await listenOnce(0);
  if (port === undefined) throw new Error("freePort: cannot listen on any port");
  return port;
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, host = "127.0.0.1", timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host });
      s.once("connect", () => { s.destroy(); resolve(true); });
      s.once("error", () => { s.destroy(); resolve(false); });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A unique, short name for keys, topics and tables, so parallel test files never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface OwnedRedis {
  port: number;
  dir: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port and data directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a redis-server owned by the test, on a free port, with append-only persistence. */
export async function startOwnedRedis(opts: { persistence?: boolean } = {}): Promise<OwnedRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-redis-"));
  let proc: ChildProcess | undefined;
  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--notify-keyspace-events", "KEA"];
    args.push("--appendonly", opts.persistence ? "yes" : "no");
    if (opts.persistence) args.push("--appendfsync", "always");
    proc = spawn("redis-server", args, { stdio: "ignore" });
    await waitForPort(port);
  };
  const kill = async () => {
    const p = proc;
    // A process killed by a signal keeps exitCode null: check both, or this would wait forever.
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => { p.once("exit", () => resolve()); p.kill("SIGKILL"); });
  };
  await start();
  return {
    port,
    dir,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
