// HTTP/1.1 beside gRPC on the internal port.
//
// Other sidecars reach this one on one port (--dapr-internal-grpc-port), and
// Dapr's peers speak gRPC there (HTTP/2 with prior knowledge). Between two
// dapr-ts sidecars, a service invocation can also travel as plain HTTP/1.1
// (building-blocks/invoke/call-local-http1-*.ts): on Node, an HTTP/1.1 hop
// costs well under half the CPU of an HTTP/2 one. Both arrive on the same
// port, so each new connection is told apart by its first bytes: every
// HTTP/2 client opens with the fixed preface "PRI * HTTP/2.0...", which no
// HTTP/1.1 request starts with. HTTP/2 connections go to the server grpc-js
// built, unchanged; the others to a node:http server that is never bound
// (connections are handed to it, as Node documents for 'connection').
//
// The hook is the grpc-js server's `createHttp2Server`, as in
// unary-fast-path.ts; without it the port stays gRPC-only, and callers keep
// using gRPC (they switch only when a callee says it takes HTTP/1.1).
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Http2Server } from "node:http2";
import type { Socket } from "node:net";
import type * as grpc from "@grpc/grpc-js";

/** The first bytes of every HTTP/2 connection (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** "PRI " is not a prefix of any HTTP/1.1 request line another sidecar sends: four bytes decide. */
const BYTES_TO_DECIDE = 4;

/** Headers as large as gRPC metadata may be (Node's HTTP/1.1 default is 16 KiB); callers allow the same. */
export const MAX_HEADER_BYTES = 256 * 1024;

export type Http1Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface ServerInternals {
  createHttp2Server?: (credentials: unknown) => Http2Server;
}

/**
 * Makes `server` (before it binds) also take HTTP/1.1 connections on its
 * ports, each request served by `handler`. Returns undefined (and changes
 * nothing) when the installed grpc-js lacks the hook.
 */
export function acceptHttp1(server: grpc.Server, handler: Http1Handler): Http1Connections | undefined {
  const internals = server as unknown as ServerInternals;
  const create = internals.createHttp2Server;
  if (typeof create !== "function") return undefined;
  const http1 = new Http1Connections(handler);
  internals.createHttp2Server = function (this: unknown, credentials: unknown) {
    const h2 = create.call(this, credentials);
    const h2Listeners = h2.listeners("connection") as ((socket: Socket) => void)[];
    h2.removeAllListeners("connection");
    h2.on("connection", (socket: Socket) => sniff(socket, (isH2) => {
      if (isH2) for (const l of h2Listeners) l.call(h2, socket);
      else http1.take(socket);
    }));
    return h2;
  };
  return http1;
}

/** Reads a connection's first bytes, puts them back, and tells whether it speaks HTTP/2. */
export function sniff(socket: Socket, dispatch: (isH2: boolean) => void): void {
  let seen: Buffer | undefined;
  // Until a server owns the socket, a reset must not become an uncaught 'error'.
  const onError = () => socket.destroy();
  const onData = (chunk: Buffer) => {
    seen = seen ? Buffer.concat([seen, chunk]) : chunk;
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2 = seen.compare(H2_PREFACE, 0, n, 0, n) === 0;
    if (isH2 && seen.length < BYTES_TO_DECIDE) return;
    socket.off("data", onData);
    socket.off("error", onError);
    // HTTP/2's session takes a paused socket and reads what is buffered when it starts. node:http
    // must get one never paused: adding its 'data' listener then resumes it, and it can pause it
    // later when a request body is not being read (paused here, its later pauses would not stop
    // the reads, and an unread body would pile up in memory).
    if (isH2) socket.pause();
    socket.unshift(seen);
    dispatch(isH2);
  };
  socket.on("error", onError);
  socket.on("data", onData);
}

/**
 * The HTTP/1.1 side: a node:http server fed connections by the sniffer, with
 * its own bookkeeping for shutdown (an unbound http.Server tracks none).
 */
export class Http1Connections {
  private readonly server: http.Server;
  /** Each connection with the number of its requests not yet answered. */
  private readonly inFlight = new Map<Socket, number>();
  private closing: { resolve(): void } | undefined;

  constructor(handler: Http1Handler) {
    this.server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
      const socket = req.socket;
      this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1);
      // Shutting down: this answer is the connection's last.
      if (this.closing) res.setHeader("connection", "close");
      res.once("close", () => this.answered(socket));
      handler(req, res);
    });
    // Longer than callers keep an idle connection (invoke/call-local-http1-pool.ts): they close first,
    // so a call never goes out on a connection this side is closing.
    this.server.keepAliveTimeout = 60_000;
    // A streamed body may take as long as it takes (as over gRPC): no request or header timeouts.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
  }

  get connections(): number {
    return this.inFlight.size;
  }

  take(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.inFlight.set(socket, 0);
    socket.once("close", () => {
      this.inFlight.delete(socket);
      this.checkClosed();
    });
    // The HTTP parser reads from here on, the bytes the sniffer put back first.
    this.server.emit("connection", socket);
  }

  /** Idle connections close now, busy ones after their answer; whatever is left after `graceMs` is cut. */
  close(graceMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        for (const socket of this.inFlight.keys()) socket.destroy();
      }, graceMs);
      force.unref();
      this.closing = {
        resolve: () => {
          clearTimeout(force);
          resolve();
        },
      };
      for (const [socket, n] of this.inFlight) if (n === 0) socket.destroy();
      this.checkClosed();
    });
  }

  private answered(socket: Socket): void {
    const before = this.inFlight.get(socket);
    if (before === undefined) return;
    const n = before - 1;
    this.inFlight.set(socket, n);
    if (this.closing && n === 0) socket.end();
  }

  private checkClosed(): void {
    if (this.closing && this.inFlight.size === 0) this.closing.resolve();
  }
}
