// The floor of the invocation bench: the least two Node processes can do to
// relay a call, in the same place as the two sidecars. Each is a node:http
// server that reads the request and sends it on with undici (keep-alive, 16
// connections), then answers with what came back: no routing, no headers
// added, no policies, no metrics. client -> relay 1 -> relay 2 -> app, as
// client -> caller's sidecar -> callee's sidecar -> app.
//
// The relays run with the sidecar's heap settings (cli/sidecar-heap.ts: the
// same V8 flags, the same old-generation growth) and load only undici's Pool,
// as the sidecar's app channel does, so their memory is a like-for-like floor.
//
// What this chain adds over calling the app directly is what any pair of Node
// processes pays on this machine for two extra hops (wake-ups, parsing, copies);
// the difference between it and the sidecars is the sidecars' own work.
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { sidecarNodeOptions, tuneOldGeneration } from "../cli/sidecar-heap.js";
import { Pool } from "../sidecar/app-channel/undici-pool.js";

export interface ProxyChainFloor {
  /** The port of the first relay: call it as you would call the app. */
  port: number;
  pids: number[];
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<{ child: ChildProcess; port: number; exited: Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ["serve-relay", String(targetPort)], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    env: { ...process.env, NODE_OPTIONS: sidecarNodeOptions(process.env.NODE_OPTIONS) },
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`relay exited (${code}) before listening`)));
  });
  return { child, port, exited };
}

/** Two relays in child processes in front of the app at `appPort`. */
export async function startProxyChainFloor(appPort: number): Promise<ProxyChainFloor> {
  const second = await startRelay(appPort);
  const first = await startRelay(second.port).catch(async (err) => {
    second.child.kill("SIGTERM");
    await second.exited;
    throw err;
  });
  return {
    port: first.port,
    pids: [first.child.pid!, second.child.pid!],
    async close() {
      for (const r of [first, second]) r.child.kill("SIGTERM");
      await Promise.all([first.exited, second.exited]);
    },
  };
}

async function serveRelay(targetPort: number): Promise<void> {
  tuneOldGeneration();
  const pool = new Pool(`http://127.0.0.1:${targetPort}`, { connections: 16 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const contentType = req.headers["content-type"];
      pool.request({ method: req.method as "POST", path: req.url!, body: Buffer.concat(chunks), headers: contentType ? { "content-type": contentType } : {} })
        .then(async (r) => {
          const body = Buffer.from(await r.body.arrayBuffer());
          res.writeHead(r.statusCode, { "content-length": body.length });
          res.end(body);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("relay: no port");
  process.send!({ port: addr.port });
  // The parent going away (even killed) closes the IPC channel: do not outlive it.
  process.on("disconnect", () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "serve-relay") {
  serveRelay(Number(process.argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
