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
import http from "node:http";
import { fileURLToPath } from "node:url";
import { sidecarNodeOptions, tuneOldGeneration } from "../cli/sidecar-heap.js";
import { Pool } from "../sidecar/app-channel/undici-pool.js";
import { announceToParent, forkServer, type ChildServer } from "./child-server.js";

export interface ProxyChainFloor {
  /** The port of the first relay: call it as you would call the app. */
  port: number;
  pids: number[];
  close(): Promise<void>;
}

/** A relay in its own process, with the sidecar's NODE_OPTIONS, forwarding to `targetPort`. */
function startRelay(targetPort: number): Promise<ChildServer<{ port: number }>> {
  return forkServer(fileURLToPath(import.meta.url), ["serve-relay", String(targetPort)],
    { ...process.env, NODE_OPTIONS: sidecarNodeOptions(process.env.NODE_OPTIONS) });
}

/** Two relays in child processes in front of the app at `appPort`. */
export async function startProxyChainFloor(appPort: number): Promise<ProxyChainFloor> {
  const second = await startRelay(appPort);
  const first = await startRelay(second.info.port).catch(async (err) => {
    await second.stop();
    throw err;
  });
  return {
    port: first.info.port,
    pids: [first.child.pid!, second.child.pid!],
    async close() {
      await Promise.all([first.stop(), second.stop()]);
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
  announceToParent({ port: addr.port });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "serve-relay") {
  serveRelay(Number(process.argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
