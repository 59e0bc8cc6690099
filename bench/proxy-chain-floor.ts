// The floor of the invocation bench: the least two Node processes can do to
// relay a call, in the same place as the two sidecars. The first is a
// node:http server that reads the request and sends it on to the second over
// a bare framed TCP hop (bench/floor-frames.ts, as the sidecars send theirs
// framed); the second sends it on to the app with undici (keep-alive, called
// as the sidecar's app channel calls it: sidecar/app-channel/app-answer.ts), and
// each answers with what came back: no routing, no headers added, no
// policies, no metrics. client -> relay 1 -> relay 2 -> app, as
// client -> caller's sidecar -> callee's sidecar -> app.
//
// The relays run with the sidecar's heap settings (cli/sidecar-heap.ts: the
// same V8 flags, the same old-generation growth); the second loads undici's
// Pool, as the callee's app channel does, so their memory is a like-for-like floor.
//
// For gRPC invocation the first relay is a node:http2 server instead, taking
// InvokeService calls as the caller's sidecar does and answering with an
// InvokeResponse: client -> gRPC relay -> relay 2 -> app. It unwraps and wraps
// by hand (the request's bytes go on as the body; the answer becomes the
// response's data), which is less than any protobuf library does.
//
// What this chain adds over calling the app directly is what any pair of Node
// processes pays on this machine for two extra hops (wake-ups, parsing, copies);
// the difference between it and the sidecars is the sidecars' own work.
import http from "node:http";
import http2 from "node:http2";
import type net from "node:net";
import { fileURLToPath } from "node:url";
import { sidecarNodeOptions, tuneOldGeneration } from "../cli/sidecar-heap.js";
import { callApp } from "../sidecar/app-channel/app-answer.js";
import { Pool } from "../sidecar/app-channel/undici-pool.js";
import { announceToParent, forkServer, type ChildServer } from "./child-server.js";
import { framedClient, framedServer } from "./floor-frames.js";
import { encodeFields } from "./lean-grpc-client.js";
import { frameMessage } from "../sidecar/api/grpc/h2/grpc-frames.js";

export interface ProxyChainFloor {
  /** The port of the first relay: call it as you would call the app. */
  port: number;
  pids: number[];
  /** The gRPC relay in front of the second relay: call InvokeService on it as on the caller's sidecar. */
  grpc: { port: number; pids: number[] };
  close(): Promise<void>;
}

/** A relay in its own process, with the sidecar's NODE_OPTIONS, forwarding to `targetPort`. */
function startRelay(mode: "serve-relay" | "serve-grpc-relay" | "serve-framed-relay", targetPort: number): Promise<ChildServer<{ port: number }>> {
  return forkServer(fileURLToPath(import.meta.url), [mode, String(targetPort)],
    { ...process.env, NODE_OPTIONS: sidecarNodeOptions(process.env.NODE_OPTIONS) });
}

/** Two relays in child processes in front of the app at `appPort`, and a gRPC relay beside the first. */
export async function startProxyChainFloor(appPort: number): Promise<ProxyChainFloor> {
  const started: ChildServer<{ port: number }>[] = [];
  try {
    const second = await startRelay("serve-framed-relay", appPort);
    started.push(second);
    const first = await startRelay("serve-relay", second.info.port);
    started.push(first);
    const grpc = await startRelay("serve-grpc-relay", second.info.port);
    started.push(grpc);
    return {
      port: first.info.port,
      pids: [first.child.pid!, second.child.pid!],
      grpc: { port: grpc.info.port, pids: [grpc.child.pid!, second.child.pid!] },
      async close() {
        await Promise.all(started.map((c) => c.stop()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((c) => c.stop()));
    throw err;
  }
}

/** HTTP in, on to the second relay framed. */
async function serveRelay(targetPort: number): Promise<void> {
  tuneOldGeneration();
  const next = framedClient(targetPort);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      next.call(req.url!, Buffer.concat(chunks)).then((a) => {
        res.writeHead(a.status, { "content-length": a.body.length });
        res.end(a.body);
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await listenAndAnnounce(server);
}

/** Framed in, on to the app over HTTP/1.1 (an undici pool, called as the sidecar's app channel calls it). */
async function serveFramedRelay(appPort: number): Promise<void> {
  tuneOldGeneration();
  const pool = new Pool(`http://127.0.0.1:${appPort}`, { connections: 16 });
  const server = framedServer(async (path, body) => {
    const a = await callApp(pool, { method: "POST", path, body, headers: { "content-type": "application/octet-stream" } }, () => {});
    return { status: a.status, body: Buffer.isBuffer(a.body) ? a.body : Buffer.concat(await a.body.toArray()) };
  });
  await listenAndAnnounce(server);
}

/** InvokeService in, on to the second relay framed, the answer back as an InvokeResponse. */
async function serveGrpcRelay(targetPort: number): Promise<void> {
  tuneOldGeneration();
  const next = framedClient(targetPort);
  const server = http2.createServer();
  server.on("stream", (stream) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", () => {});
    stream.on("end", () => {
      // The request message without its 5-byte frame header, passed on as it is.
      const body = Buffer.concat(chunks).subarray(5);
      next.call("/echo", body)
        .then((r) => {
          // InvokeResponse{data: Any{value: answer}, content_type}
          const answer = encodeFields([[1, encodeFields([[2, r.body]])], [2, "text/plain"]]);
          stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
          stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": "OK" }));
          stream.end(frameMessage(answer));
        })
        .catch(() => {
          if (!stream.headersSent) stream.respond({ ":status": 200, "content-type": "application/grpc+proto", "grpc-status": "14" }, { endStream: true });
        });
    });
  });
  await listenAndAnnounce(server);
}

/** Listens on a free loopback port and tells the parent which. */
async function listenAndAnnounce(server: net.Server): Promise<void> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("relay: no port");
  announceToParent({ port: addr.port });
}

const relays: Record<string, (targetPort: number) => Promise<void>> = {
  "serve-relay": serveRelay, "serve-grpc-relay": serveGrpcRelay, "serve-framed-relay": serveFramedRelay,
};
const serve = process.argv[1] === fileURLToPath(import.meta.url) ? relays[process.argv[2] ?? ""] : undefined;
if (serve) {
  serve(Number(process.argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
