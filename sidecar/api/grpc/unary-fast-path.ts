// Unary calls served straight off the HTTP/2 stream, beside grpc-js.
//
// grpc-js builds, per call, an intercepting call, a metadata object, a stream
// decoder, read queues and promise chains, and answers over three ticks
// (headers, message, then trailers). For the unary RPCs that make up a
// sidecar's hot path (GetState, SaveState, PublishEvent, TryLock, ...) that
// bookkeeping costs more CPU than the handler itself. This path reads the one
// request message, calls the very handler grpc-js would call (same
// (de)serializers, same metrics and token wrappers, a call object with the
// members our handlers use) and answers with one write: headers, message and
// trailers as grpc-js sends them.
//
// A server may also hand whole methods to raw handlers (`rawStreams`, by
// path): they get the HTTP/2 stream and its headers and answer it themselves
// (the internal server's CallLocalStream, call-local-stream-h2.ts). The method
// keeps its grpc-js registration, which serves what the raw handler is not
// given (compressed requests), and everything when the hook is not installed.
//
// Everything else stays with grpc-js on the same connection: streaming calls,
// unknown methods (proxying), compressed requests, servers with interceptors.
// The hook is the server's own `createHttp2Server` (grpc-js calls it for each
// bound address) and its `handlers` Map, both pinned by unary-fast-path.test.ts
// against the installed grpc-js; if either is missing the server is left as it
// is (every call then goes through grpc-js, only slower).
import { EventEmitter } from "node:events";
import { constants as http2Constants, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { frameMessage } from "./h2/grpc-frames.js";

/** A handler entry as grpc-js keeps it in `server.handlers`. */
interface HandlerEntry {
  func: (call: FastUnaryCall, callback: UnaryCallback) => void;
  serialize: (value: unknown) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
  type: string;
  path: string;
}

type UnaryCallback = (err: Partial<grpc.StatusObject> & { message?: string } | null, value?: unknown, trailer?: grpc.Metadata | null) => void;

interface ServerInternals {
  handlers?: Map<string, HandlerEntry>;
  interceptors?: unknown[];
  createHttp2Server?: (credentials: unknown) => Http2Server;
  onStreamOpened?: (stream: ServerHttp2Stream) => void;
}

export interface FastPathLimits {
  /** grpc.max_receive_message_length (-1: none). */
  maxReceive: number;
  /** grpc.max_send_message_length (-1: none). */
  maxSend: number;
}

/** Serves one call straight off its HTTP/2 stream: reads the request, answers with gRPC headers, messages and trailers. */
export type RawStreamHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

/** Response headers as grpc-js sends them before a call's first message. */
export const GRPC_RESPONSE_HEADERS: Readonly<OutgoingHttpHeaders> = responseHeaders(undefined);

/**
 * The response headers grpc-js sends before a call's first message, with a
 * handler's response metadata added key by key, in one object literal: built as
 * `{ ...GRPC_RESPONSE_HEADERS, ...metadata }` and then copied by node:http2's
 * respond() (processHeaders), such an object cost 1.3 µs against 0.3 (in isolation).
 */
function responseHeaders(metadata: grpc.Metadata | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ":status": 200,
    "content-type": "application/grpc+proto",
    "grpc-accept-encoding": "identity,deflate,gzip",
    "grpc-encoding": "identity",
  };
  if (metadata) {
    const extra = metadata.toHttp2Headers();
    for (const k in extra) headers[k] = extra[k];
  }
  return headers;
}

/** Request headers grpc-js keeps out of the metadata a handler sees. */
const TRANSPORT_HEADERS = ["grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "accept-encoding", "te", "content-type"];

const TIMEOUT_UNITS_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

/**
 * Makes `server` serve its unary methods on the fast path, and the methods in
 * `rawStreams` (by path, e.g. "/pkg.Service/Method") with their raw handlers.
 * Call before binding. Returns false (and changes nothing) when the installed
 * grpc-js does not have the internals this relies on.
 */
export function serveUnaryFast(server: grpc.Server, limits: FastPathLimits, rawStreams: Record<string, RawStreamHandler> = {}): boolean {
  const internals = server as unknown as ServerInternals;
  const create = internals.createHttp2Server;
  if (typeof create !== "function" || !(internals.handlers instanceof Map)) return false;
  const raw = new Map(Object.entries(rawStreams));
  internals.createHttp2Server = function (this: unknown, credentials: unknown) {
    const h2 = create.call(server, credentials);
    routeCalls(h2, internals, limits, raw);
    return h2;
  };
  return true;
}

function routeCalls(h2: Http2Server, internals: ServerInternals, limits: FastPathLimits, raw: Map<string, RawStreamHandler>): void {
  const grpcJsListeners = h2.listeners("stream") as ((...args: unknown[]) => void)[];
  if (grpcJsListeners.length !== 1) return; // not the shape we know: leave every call to grpc-js
  const grpcJs = grpcJsListeners[0]!;
  h2.removeListener("stream", grpcJs);
  h2.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => {
    const path = headers[":path"] ?? "";
    if (!internals.interceptors?.length && plainGrpc(headers)) {
      const rawHandler = raw.get(path);
      if (rawHandler) {
        internals.onStreamOpened?.call(internals, stream);
        return serveRaw(stream, headers, rawHandler);
      }
      const entry = internals.handlers!.get(path);
      if (entry?.type === "unary") {
        internals.onStreamOpened?.call(internals, stream);
        return serveUnary(stream, headers, entry, limits);
      }
    }
    grpcJs.call(h2, stream, headers, ...rest);
  });
}

/** Runs a raw handler; one that throws gets its call ended, not the process. */
function serveRaw(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, handler: RawStreamHandler): void {
  try {
    handler(stream, headers);
  } catch (err) {
    stream.on("error", () => {});
    if (stream.destroyed || stream.closed) return;
    if (!stream.headersSent) stream.respond(trailersOnly(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err)), { endStream: true });
    else stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
  }
}

/** The headers of a trailers-only answer: a status with no message before it, as grpc-js sends one. */
export function trailersOnly(code: grpc.status, details: string, metadata?: grpc.Metadata): OutgoingHttpHeaders {
  return {
    "grpc-status": String(code),
    "grpc-message": encodeURI(details),
    ":status": 200,
    "content-type": "application/grpc+proto",
    ...metadata?.toHttp2Headers(),
  };
}

/**
 * A `grpc-timeout` header in milliseconds: undefined when there is none, NaN
 * when it is malformed (grpc-js answers INTERNAL then).
 */
export function grpcTimeoutMs(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(String(value));
  if (!m) return NaN;
  return (Number(m[1]) * TIMEOUT_UNITS_MS[m[2]!]!) | 0;
}

const RAW_HANDLER = Symbol("raw HTTP/2 stream handler");

/**
 * Pins a raw handler to a grpc-js handler of the same method, so it travels
 * with the handler maps building blocks hand the server builder; servers that
 * install raw handlers find it with `rawHandlerOf`.
 */
export function withRawHandler<H extends object>(handler: H, raw: RawStreamHandler): H {
  return Object.assign(handler, { [RAW_HANDLER]: raw });
}

export function rawHandlerOf(handler: unknown): RawStreamHandler | undefined {
  const raw = (handler as { [RAW_HANDLER]?: unknown } | undefined)?.[RAW_HANDLER];
  return typeof raw === "function" ? (raw as RawStreamHandler) : undefined;
}

/** A gRPC request grpc-js would accept, without compression. */
function plainGrpc(headers: IncomingHttpHeaders): boolean {
  const type = headers["content-type"];
  const encoding = headers["grpc-encoding"];
  return typeof type === "string" && type.startsWith("application/grpc") && (encoding === undefined || encoding === "identity");
}

/** The call object a unary handler gets: the members grpc-js's ServerUnaryCall has that handlers use. */
export class FastUnaryCall extends EventEmitter {
  cancelled = false;
  request: unknown = undefined;
  private requestMetadata: grpc.Metadata | undefined;
  /** Response headers set by sendMetadata before the answer. */
  responseMetadata: grpc.Metadata | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly path: string,
    readonly deadline: number,
  ) {
    super();
  }

  /** Built on first use: many handlers never read metadata. */
  get metadata(): grpc.Metadata {
    if (!this.requestMetadata) {
      const md = grpc.Metadata.fromHttp2Headers(this.headers);
      for (const h of TRANSPORT_HEADERS) md.remove(h);
      this.requestMetadata = md;
    }
    return this.requestMetadata;
  }

  getPeer(): string {
    const socket = this.stream.session?.socket;
    if (!socket?.remoteAddress) return "unknown";
    return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
  }

  getDeadline(): number {
    return this.deadline;
  }

  getPath(): string {
    return this.path;
  }

  getHost(): string {
    return String(this.headers[":authority"] ?? this.headers.host ?? "");
  }

  sendMetadata(md: grpc.Metadata): void {
    this.responseMetadata ??= md;
  }
}

function serveUnary(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, entry: HandlerEntry, limits: FastPathLimits): void {
  // As grpc-js: an 'error' on the stream is followed by 'close', which is where cancellation is handled.
  stream.on("error", () => {});
  let answered = false;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let call: FastUnaryCall | undefined;

  /** Ends the call: a message with OK and the handler's trailing metadata, or a status alone. */
  const answer = (status: grpc.StatusObject | null, message?: Buffer, trailer?: grpc.Metadata | null) => {
    if (answered) return;
    answered = true;
    if (deadlineTimer) clearTimeout(deadlineTimer);
    if (stream.destroyed || stream.closed) return;
    if (!status) {
      stream.respond(responseHeaders(call?.responseMetadata), { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": "OK", ...trailer?.toHttp2Headers() }));
      stream.end(message);
      return;
    }
    stream.respond(trailersOnly(status.code, status.details, status.metadata), { endStream: true });
  };
  const fail = (code: grpc.status, details: string) => answer({ code, details, metadata: new grpc.Metadata() });

  const cancel = () => {
    if (!call || call.cancelled) return;
    call.cancelled = true;
    call.emit("cancelled", "cancelled");
  };

  let deadline = Infinity;
  const ms = grpcTimeoutMs(headers["grpc-timeout"]);
  if (ms !== undefined) {
    if (Number.isNaN(ms)) return fail(grpc.status.INTERNAL, `Invalid grpc-timeout value "${headers["grpc-timeout"]}"`);
    deadline = Date.now() + ms;
    deadlineTimer = setTimeout(() => {
      fail(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded");
      cancel();
    }, ms);
  }

  stream.once("close", () => {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    if (!answered) {
      answered = true;
      cancel();
    }
  });

  // The request: exactly one length-prefixed message, then the end of the stream.
  let chunks: Buffer[] = [];
  let received = 0;
  stream.on("data", (chunk: Buffer) => {
    if (answered) return;
    received += chunk.length;
    // Refuse as soon as more arrives than one message may hold, rather than buffer it.
    if (limits.maxReceive !== -1 && received > limits.maxReceive + 5) {
      return fail(grpc.status.RESOURCE_EXHAUSTED, `Received message larger than max (${received - 5} vs ${limits.maxReceive})`);
    }
    chunks.push(chunk);
  });
  stream.once("end", () => {
    if (answered) return;
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
    chunks = [];
    const message = oneMessage(bytes, entry.path);
    if ("code" in message) return answer(message);
    let request: unknown;
    try {
      request = entry.deserialize(message.body);
    } catch {
      return fail(grpc.status.INTERNAL, "Error deserializing request");
    }
    call = new FastUnaryCall(stream, headers, entry.path, deadline);
    call.request = request;
    try {
      entry.func(call, (err, value, trailer) => {
        if (err) return answer(errorStatus(err, trailer));
        let body: Buffer;
        try {
          body = entry.serialize(value);
        } catch {
          return fail(grpc.status.INTERNAL, "Error serializing response");
        }
        if (limits.maxSend !== -1 && body.length > limits.maxSend) {
          return fail(grpc.status.RESOURCE_EXHAUSTED, `Sent message larger than max (${body.length + 5} vs. ${limits.maxSend})`);
        }
        answer(null, frameMessage(body), trailer);
      });
    } catch (err) {
      // A handler that throws synchronously: grpc-js would let it escape; we answer instead of crashing.
      fail(grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err));
    }
  });
}

/** The single message of a unary request, or the status grpc-js answers when there is not exactly one. */
function oneMessage(bytes: Buffer, path: string): { body: Buffer } | grpc.StatusObject {
  const status = (code: grpc.status, details: string) => ({ code, details, metadata: new grpc.Metadata() });
  if (bytes.length === 0) return status(grpc.status.UNIMPLEMENTED, `Received no request message for server streaming method ${path}`);
  if (bytes.length < 5) return status(grpc.status.INTERNAL, "Incomplete gRPC message frame");
  if (bytes[0] !== 0) return status(grpc.status.INTERNAL, `Received compressed message but "grpc-encoding" header was identity`);
  const len = bytes.readUInt32BE(1);
  if (bytes.length < 5 + len) return status(grpc.status.INTERNAL, "Incomplete gRPC message frame");
  if (bytes.length > 5 + len) return status(grpc.status.UNIMPLEMENTED, `Received a second request message for server streaming method ${path}`);
  return { body: bytes.subarray(5) };
}

/** grpc-js's reading of a handler's error: its code and details when it has them, else UNKNOWN with its message. */
function errorStatus(err: Partial<grpc.StatusObject> & { message?: string }, trailer?: grpc.Metadata | null): grpc.StatusObject {
  const metadata = trailer ?? (err.metadata as grpc.Metadata | undefined) ?? new grpc.Metadata();
  if (typeof err.code === "number" && Number.isInteger(err.code)) {
    return { code: err.code, details: typeof err.details === "string" ? err.details : (err.message ?? "Unknown Error"), metadata };
  }
  return { code: grpc.status.UNKNOWN, details: err.message ?? "Unknown Error", metadata };
}
