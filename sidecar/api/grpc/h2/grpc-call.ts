// One gRPC call on an HTTP/2 stream: framed messages out (with the
// transport's backpressure), framed messages in (pausing the stream while the
// reader is behind, so HTTP/2 flow control slows the sender), and the final
// status from the trailers. Works for every call type: unary is one message
// each way.
import http2, { type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { FrameReader, frameMessage } from "./grpc-frames.js";
import { codeForHttpStatus, GrpcStatusError, metadataOf, statusOf } from "./grpc-status.js";

// Read-ahead: the stream is paused once this many messages wait unread.
const HIGH_WATER = 8;
// Read once: the bundle reaches a CommonJS module's exports through a getter, and every call checks for OK.
const OK = grpc.status.OK;

export class H2GrpcCall {
  private readonly reader: FrameReader;
  private readonly inbox: Buffer[] = [];
  private waiter: { resolve(m: Buffer | undefined): void; reject(e: Error): void } | undefined;
  private responseHeaders: IncomingHttpHeaders | undefined;
  private trailers: IncomingHttpHeaders | undefined;
  private transportError: Error | undefined;
  private localError: GrpcStatusError | undefined;
  private outcome: GrpcStatusError | null | undefined; // undefined: running; null: OK
  private readonly settledListeners: (() => void)[] = [];

  constructor(private readonly stream: ClientHttp2Stream, maxMessageBytes: number) {
    this.reader = new FrameReader(maxMessageBytes);
    stream.on("response", (h) => (this.responseHeaders = h));
    stream.on("trailers", (t) => (this.trailers = t));
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("error", (err) => (this.transportError ??= err));
    stream.on("close", () => this.settle());
  }

  /** Sends one serialized message; resolves when the transport can take more (or the call is over). */
  send(message: Buffer): Promise<void> {
    return this.sendFrame(frameMessage(message));
  }

  /** Like send(), for a message its encoder already framed (gRPC prefix included): saves a copy. */
  sendFrame(frame: Buffer): Promise<void> {
    if (this.outcome !== undefined || this.stream.writableEnded || this.stream.destroyed) return Promise.resolve();
    if (this.stream.write(frame)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off("drain", done);
        this.stream.off("close", done);
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("close", done);
    });
  }

  /** No more messages from this side. */
  end(message?: Buffer): void {
    this.endWithFrame(message && frameMessage(message));
  }

  /** Like end(), with a last message its encoder already framed. */
  endWithFrame(frame?: Buffer): void {
    if (this.stream.writableEnded || this.stream.destroyed) return;
    if (frame) this.stream.end(frame);
    else this.stream.end();
  }

  /** Ends the call from this side; the reader sees CANCELLED. No-op once the call is over. */
  cancel(details = "Cancelled on client"): void {
    this.fail(new GrpcStatusError(grpc.status.CANCELLED, details));
  }

  /** Ends the call with this error (e.g. its deadline passed). */
  fail(err: GrpcStatusError): void {
    if (this.outcome !== undefined) return;
    this.localError ??= err;
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
    else this.settle();
  }

  /** The answer's headers, once they are in. */
  get headers(): IncomingHttpHeaders | undefined {
    return this.responseHeaders;
  }

  /** True once the call has ended (status known). */
  get finished(): boolean {
    return this.outcome !== undefined;
  }

  /** True once the call has ended OK and every message has been read. */
  get drained(): boolean {
    return this.outcome === null && this.inbox.length === 0;
  }

  /** Runs `fn` once the call has ended. */
  onFinished(fn: () => void): void {
    if (this.outcome !== undefined) fn();
    else this.settledListeners.push(fn);
  }

  /** The next message; undefined after the last one of a call that ended OK; rejects with the call's error status. */
  next(): Promise<Buffer | undefined> {
    const m = this.inbox.shift();
    if (m) {
      if (this.inbox.length < HIGH_WATER / 2 && this.stream.isPaused()) this.stream.resume();
      return Promise.resolve(m);
    }
    if (this.outcome !== undefined) return this.outcome === null ? Promise.resolve(undefined) : Promise.reject(this.outcome);
    if (this.stream.isPaused()) this.stream.resume();
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      this.fail(new GrpcStatusError(grpc.status.INTERNAL, (err as Error).message));
      return;
    }
    for (const m of messages) {
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        w.resolve(m);
      } else this.inbox.push(m);
    }
    if (this.inbox.length >= HIGH_WATER) this.stream.pause();
  }

  private settle(): void {
    if (this.outcome !== undefined) return;
    this.outcome = this.readOutcome();
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      if (this.outcome) w.reject(this.outcome);
      else w.resolve(undefined);
    }
    for (const fn of this.settledListeners.splice(0)) fn();
  }

  /** null for OK, else the error, judged as grpc-js judges a finished call. */
  private readOutcome(): GrpcStatusError | null {
    if (this.localError) return this.localError;
    const status = statusOf(this.trailers) ?? statusOf(this.responseHeaders);
    if (status) {
      if (status.code === OK) {
        if (this.reader.midMessage) return new GrpcStatusError(grpc.status.INTERNAL, "the stream ended in the middle of a message");
        return null;
      }
      return new GrpcStatusError(status.code, status.details, metadataOf(this.trailers ?? this.responseHeaders ?? {}));
    }
    const httpStatus = Number(this.responseHeaders?.[":status"] ?? 0);
    if (httpStatus && httpStatus !== 200) return new GrpcStatusError(codeForHttpStatus(httpStatus), `Received HTTP status code ${httpStatus}`);
    if (this.transportError) return transportFailure(this.transportError, this.responseHeaders !== undefined);
    const rst = this.stream.rstCode;
    if (rst === http2.constants.NGHTTP2_REFUSED_STREAM) return new GrpcStatusError(grpc.status.UNAVAILABLE, "the stream was refused by the server");
    if (rst === http2.constants.NGHTTP2_CANCEL) return new GrpcStatusError(grpc.status.CANCELLED, "the call was cancelled by the server");
    return new GrpcStatusError(grpc.status.INTERNAL, `the server closed the stream without a status${rst ? ` (RST_STREAM code ${rst})` : ""}`);
  }
}

/** A connection-level failure: UNAVAILABLE before any answer (safe to try elsewhere), INTERNAL after. */
function transportFailure(err: Error, answered: boolean): GrpcStatusError {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const details = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ERR_HTTP2_GOAWAY_SESSION|ERR_HTTP2_STREAM_CANCEL|ERR_HTTP2_SESSION_ERROR/.test(code) || !answered
    ? `No connection established: ${err.message}`
    : err.message;
  return new GrpcStatusError(answered ? grpc.status.INTERNAL : grpc.status.UNAVAILABLE, details);
}
