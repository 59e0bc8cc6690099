// A lean gRPC client channel on node:http2, for the sidecar's hottest outbound
// hop (sidecar to sidecar on the internal port). grpc-js's client stacks name
// resolution, load balancing, retries, filters and interceptors around every
// call; for one fixed peer none of that is needed, and skipping it takes
// 30-40% off the CPU of a call, client and server together (bench/
// internal-channel-bench.ts). The server side stays grpc-js: this speaks the
// standard gRPC wire protocol.
//
// One HTTP/2 connection per channel, opened on first use and reopened after it
// closes, fails or runs low on stream ids.
import http2, { type ClientHttp2Session } from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { H2GrpcCall } from "./grpc-call.js";
import { GrpcStatusError } from "./grpc-status.js";

export interface CallOptions {
  /** Absolute deadline (ms since the epoch), sent as grpc-timeout and enforced here. */
  deadline?: number;
  /** Aborting cancels the call (CANCELLED). */
  signal?: AbortSignal;
  /** Extra request metadata (ASCII values). */
  metadata?: Record<string, string>;
}

// Stream ids are odd 31-bit numbers; a fresh connection well before they run out.
const MAX_STREAMS_PER_CONNECTION = 2 ** 29;
// session.request copies its options: one object serves every call.
const REQUEST_OPTIONS = Object.freeze({ endStream: false });
// Large bodies stream in 64 KiB chunks: a window of several chunks keeps the pipe full.
const WINDOW_BYTES = 4 * 1024 * 1024;

export class H2GrpcChannel {
  private session: ClientHttp2Session | undefined;
  /** Streams opened on `session`, counted here: `session.state` builds a whole object natively at each read. */
  private streamsOpened = 0;
  private closed = false;

  constructor(
    readonly address: string,
    private readonly maxMessageBytes = Number.MAX_SAFE_INTEGER,
    private readonly maxStreamsPerConnection = MAX_STREAMS_PER_CONNECTION,
  ) {}

  /** Starts a call of any kind; the caller sends, ends and reads through the returned call. */
  start(path: string, opts: CallOptions = {}): H2GrpcCall {
    if (this.closed) throw new GrpcStatusError(grpc.status.UNAVAILABLE, "the channel is closed");
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      "user-agent": "dapr-ts",
    };
    if (opts.deadline !== undefined) headers["grpc-timeout"] = `${Math.max(1, Math.ceil(opts.deadline - Date.now()))}m`;
    if (opts.metadata) for (const [k, v] of Object.entries(opts.metadata)) headers[k] = v;
    let stream;
    try {
      stream = this.connection().request(headers, REQUEST_OPTIONS);
      this.streamsOpened++;
    } catch (err) {
      // The connection died between our check and the request: the next call opens a new one.
      this.session = undefined;
      throw new GrpcStatusError(grpc.status.UNAVAILABLE, `No connection established: ${(err as Error).message}`);
    }
    const call = new H2GrpcCall(stream, this.maxMessageBytes);
    this.watch(call, opts);
    return call;
  }

  /** One request message, one response message. */
  async unary(path: string, request: Buffer, opts: CallOptions = {}): Promise<Buffer> {
    const call = this.start(path, opts);
    call.end(request);
    const response = await call.next();
    // A unary answer is exactly one message; read on to the status (the trailers).
    const extra = await call.next();
    if (response === undefined) throw new GrpcStatusError(grpc.status.UNIMPLEMENTED, `${path}: the server sent no response message`);
    if (extra !== undefined) throw new GrpcStatusError(grpc.status.INTERNAL, `${path}: the server sent more than one response message`);
    return response;
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private connection(): ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed && this.streamsOpened < this.maxStreamsPerConnection) return s;
    if (s && !s.closed) s.close();
    const fresh = http2.connect(`http://${authority(this.address)}`, { settings: { initialWindowSize: WINDOW_BYTES } });
    fresh.once("connect", () => fresh.setLocalWindowSize(WINDOW_BYTES));
    // Failures reach the calls on this connection through their streams; the session error only needs catching.
    fresh.on("error", () => {});
    const forget = () => {
      if (this.session === fresh) this.session = undefined;
    };
    fresh.once("close", forget);
    fresh.once("goaway", forget);
    this.session = fresh;
    this.streamsOpened = 0;
    return fresh;
  }

  private watch(call: H2GrpcCall, opts: CallOptions): void {
    const { signal, deadline } = opts;
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => call.fail(new GrpcStatusError(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded")), Math.max(0, deadline - Date.now()));
    }
    const onAbort = () => call.cancel();
    if (signal) {
      if (signal.aborted) call.cancel();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    if (timer || signal) {
      call.onFinished(() => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      });
    }
  }
}

/** `host:port` as a URL authority (IPv6 literals need brackets). */
function authority(address: string): string {
  const colons = address.split(":").length - 1;
  if (colons <= 1 || address.startsWith("[")) return address;
  const i = address.lastIndexOf(":");
  return `[${address.slice(0, i)}]${address.slice(i)}`;
}
