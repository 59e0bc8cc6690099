// CallLocalStream served straight off the HTTP/2 stream (the internal
// server's raw handler for the method, see api/grpc/unary-fast-path.ts).
//
// Through grpc-js each call cost the callee an intercepting call, metadata
// objects, protobufjs fromObject/encode and decode/toObject per message, and
// object-mode Readable/Writable queues both ways: more CPU than the rest of
// the hop. Here gRPC frames are cut from the stream's chunks, messages are
// read and written by call-local-stream-codec.ts, and the answer goes out as
// grpc-js sends one (headers, messages, then grpc-status trailers), so callers
// cannot tell the two apart. What the call does is call-local-stream-server.ts,
// the same code the grpc-js registration runs.
//
// Back-pressure: `pause()` stops reading the HTTP/2 stream, so its flow-control
// window closes and the caller stops sending; `write()` waits for 'drain'.
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import { FrameReader } from "../../api/grpc/h2/grpc-frames.js";
import { GRPC_RESPONSE_HEADERS, grpcTimeoutMs, trailersOnly, type RawStreamHandler } from "../../api/grpc/unary-fast-path.js";
import { decodeRequestMessage, encodeResponseFrame, type DecodedRequestMessage } from "./call-local-stream-codec.js";
import { Cancellation, serveCallLocalStream, type CalleeCall, type CalleeResponseMessage, type RequestSink } from "./call-local-stream-server.js";
import type { InvokeCore } from "./invoke-core.js";
import { writeWithBackpressure } from "./stream-payloads.js";
import { FRAMES_ADVERT_HEADER, FRAMES_ADVERT_VALUE } from "./call-local-frames-wire.js";

const OK_TRAILERS: OutgoingHttpHeaders = { "grpc-status": "0", "grpc-message": "OK" };
/** grpc-js's headers, and the word to other dapr-ts sidecars that this port also takes framed calls. */
const FRAMES_ADVERT_RESPONSE_HEADERS: OutgoingHttpHeaders = { ...GRPC_RESPONSE_HEADERS, [FRAMES_ADVERT_HEADER]: FRAMES_ADVERT_VALUE };
const DONE = Promise.resolve();

export function callLocalStreamRaw(core: InvokeCore): RawStreamHandler {
  return (stream, headers) => {
    // Callers learn from the answer that this port also takes framed calls (api/grpc/internal-frames.ts).
    const call = H2CalleeCall.open(stream, headers, core.acceptsFrames);
    if (call) serveCallLocalStream(core, call);
  };
}

export class H2CalleeCall implements CalleeCall {
  private readonly cancellation = new Cancellation();
  private sink: RequestSink | undefined;
  private readonly frames = new FrameReader();
  private responded = false;
  /** The status is on its way (or the stream is gone): nothing more is sent. */
  private finished = false;
  private trailers = OK_TRAILERS;
  private deadlineTimer: NodeJS.Timeout | undefined;

  /** The call on `stream`, or undefined when its headers were refused (the stream is answered then). */
  static open(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, advertFrames = false): H2CalleeCall | undefined {
    const call = new H2CalleeCall(stream, advertFrames);
    const ms = grpcTimeoutMs(headers["grpc-timeout"]);
    if (ms === undefined) return call;
    if (Number.isNaN(ms)) {
      call.finish(grpc.status.INTERNAL, `Invalid grpc-timeout value "${headers["grpc-timeout"]}"`);
      return undefined;
    }
    call.deadlineTimer = setTimeout(() => {
      call.finish(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded");
      call.dropRequest();
      call.cancel();
    }, ms);
    return call;
  }

  private constructor(private readonly stream: ServerHttp2Stream, private readonly advertFrames: boolean) {
    // As grpc-js: an 'error' on the stream is followed by 'close', which is where cancellation is handled.
    stream.on("error", () => {});
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.once("end", () => this.onEnd());
    stream.once("close", () => {
      clearTimeout(this.deadlineTimer);
      // Closed before the status went out: the caller cancelled (reset the stream, or its connection went).
      const early = !this.finished;
      this.finished = true;
      this.dropRequest();
      if (early) this.cancel();
    });
  }

  listen(sink: RequestSink): void {
    this.sink = sink;
  }

  unlisten(): void {
    this.sink = undefined;
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  write(m: CalleeResponseMessage): Promise<void> {
    if (this.finished || this.stream.destroyed) return DONE;
    this.respond();
    return writeWithBackpressure(this.stream, encodeResponseFrame(m.response, m.payload));
  }

  end(last?: CalleeResponseMessage): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.deadlineTimer);
    if (this.stream.destroyed || this.stream.closed) return;
    this.respond();
    this.stream.end(last ? encodeResponseFrame(last.response, last.payload) : undefined);
  }

  fail(err: unknown): void {
    const e = toServiceError(err);
    this.finish(e.code, e.details);
  }

  get cancelled(): boolean {
    return this.cancellation.cancelled;
  }

  onCancel(listener: () => void): () => void {
    return this.cancellation.on(listener);
  }

  /** Sends the response headers once; the trailers follow the last message (OK unless `finish` set others). */
  private respond(): void {
    if (this.responded) return;
    this.responded = true;
    this.stream.respond(this.advertFrames ? FRAMES_ADVERT_RESPONSE_HEADERS : GRPC_RESPONSE_HEADERS, { waitForTrailers: true });
    this.stream.once("wantTrailers", () => {
      try {
        this.stream.sendTrailers(this.trailers);
      } catch {
        // The stream went away meanwhile: its 'close' tells the rest.
      }
    });
  }

  /** Ends the call with a status: trailers-only before any message, else trailers after what was sent. */
  private finish(code: grpc.status, details: string): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.deadlineTimer);
    if (this.stream.destroyed || this.stream.closed) return;
    if (!this.responded) {
      this.responded = true;
      this.stream.respond(trailersOnly(code, details), { endStream: true });
      return;
    }
    this.trailers = { "grpc-status": String(code), "grpc-message": encodeURI(details) };
    this.stream.end();
  }

  /** The call is over while its request was still being read: the reader fails, the rest of the request is dropped. */
  private dropRequest(): void {
    const sink = this.sink;
    if (!sink) return;
    this.sink = undefined;
    sink.close();
    this.stream.resume();
  }

  /** The caller is gone (or its deadline passed): whoever reads the app's answer for it stops. */
  private cancel(): void {
    this.cancellation.fire();
  }

  private onData(chunk: Buffer): void {
    if (!this.sink) return; // nobody reads the request any more: the rest is dropped
    let messages: Buffer[];
    try {
      messages = this.frames.push(chunk);
    } catch (err) {
      return this.refuseRequest(err instanceof Error ? err.message : String(err));
    }
    for (const bytes of messages) {
      let m: DecodedRequestMessage;
      try {
        m = decodeRequestMessage(bytes);
      } catch {
        return this.refuseRequest("Error deserializing request");
      }
      this.sink?.message(m);
      if (!this.sink) return;
    }
  }

  private onEnd(): void {
    if (this.frames.midMessage) return this.refuseRequest("Incomplete gRPC message frame");
    const sink = this.sink;
    this.sink = undefined;
    sink?.end();
  }

  /** A request that cannot be read ends the call with INTERNAL, as grpc-js ends it. */
  private refuseRequest(details: string): void {
    this.finish(grpc.status.INTERNAL, details);
    this.dropRequest();
  }
}
