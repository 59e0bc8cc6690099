// Framed calls beside gRPC on the internal port.
//
// Other sidecars reach this one on one port (--dapr-internal-grpc-port), and
// Dapr's peers speak gRPC there (HTTP/2 with prior knowledge). Between two
// dapr-ts sidecars, a service invocation can also travel as CallLocalStream's
// messages framed straight over TCP (building-blocks/invoke/call-local-frames-*.ts):
// on Node, the HTTP layers cost more than the rest of a hop. Both arrive on the
// same port, so each new connection is told apart by its first bytes: every
// HTTP/2 client opens with the fixed preface "PRI * HTTP/2.0...", and a framed
// caller with "dapr-ts frames/1". HTTP/2 connections (and anything else) go to
// the server grpc-js built, unchanged; framed ones to `take`.
//
// The hook is the grpc-js server's `createHttp2Server`, as in
// unary-fast-path.ts; without it the port stays gRPC-only, and callers keep
// using gRPC (they switch only when a callee says it takes framed calls).
import type { Http2Server } from "node:http2";
import type { Socket } from "node:net";
import type * as grpc from "@grpc/grpc-js";

/** "dapr" opens the framed preface (call-local-frames-wire.ts); HTTP/2's opens with "PRI ". Four bytes decide. */
const FRAMES_START = Buffer.from("dapr");
const BYTES_TO_DECIDE = FRAMES_START.length;

interface ServerInternals {
  createHttp2Server?: (credentials: unknown) => Http2Server;
}

/**
 * Makes `server` (before it binds) hand the connections that open with the
 * framed preface to `take`. Returns false (and changes nothing) when the
 * installed grpc-js lacks the hook.
 */
export function acceptFrames(server: grpc.Server, take: (socket: Socket) => void): boolean {
  const internals = server as unknown as ServerInternals;
  const create = internals.createHttp2Server;
  if (typeof create !== "function") return false;
  internals.createHttp2Server = function (this: unknown, credentials: unknown) {
    const h2 = create.call(this, credentials);
    const h2Listeners = h2.listeners("connection") as ((socket: Socket) => void)[];
    h2.removeAllListeners("connection");
    h2.on("connection", (socket: Socket) => sniff(socket, (framed) => {
      if (framed) take(socket);
      else for (const l of h2Listeners) l.call(h2, socket);
    }));
    return h2;
  };
  return true;
}

/** Reads a connection's first bytes, puts them back, and tells whether it is a framed caller. */
export function sniff(socket: Socket, dispatch: (framed: boolean) => void): void {
  let seen: Buffer | undefined;
  // Until a server owns the socket, a reset must not become an uncaught 'error'.
  const onError = () => socket.destroy();
  const onData = (chunk: Buffer) => {
    seen = seen ? Buffer.concat([seen, chunk]) : chunk;
    const n = Math.min(seen.length, BYTES_TO_DECIDE);
    const framed = seen.compare(FRAMES_START, 0, n, 0, n) === 0;
    if (framed && seen.length < BYTES_TO_DECIDE) return;
    socket.off("data", onData);
    socket.off("error", onError);
    // HTTP/2's session takes a paused socket and reads what is buffered when it starts; a framed
    // connection's reader resumes it when it adds its 'data' listener.
    socket.pause();
    socket.unshift(seen);
    dispatch(framed);
  };
  socket.on("error", onError);
  socket.on("data", onData);
}
