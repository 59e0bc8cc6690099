// Callee side of CallLocalStream: reads the request header, hands the app its
// body, then sends the app's status and headers followed by its body in
// payload chunks, pausing whenever the caller's side is not keeping up.
//
// Two transports carry it: the raw HTTP/2 stream (call-local-stream-h2.ts, the
// one the internal server uses) and grpc-js's ServerDuplexStream (the method's
// registration with grpc-js, used when the raw path is not installed or a
// request is compressed). Both adapt to `CalleeCall`; everything here runs the
// same over either.
//
// The usual call is small both ways (one message in, one out), so that case
// avoids stream machinery: the request's messages are read with plain
// callbacks, and a body that turns out whole (one chunk, then the caller's
// end) goes to the app as one Buffer. Only a body of several chunks becomes a
// stream, fed by the call and pausing it while the app is not reading.
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { DaprError } from "../../errors/catalog.js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import type { DecodedRequestMessage, StreamResponseHead } from "./call-local-stream-codec.js";
import { fromListMap, toListMap } from "./internal-client.js";
import type { InvokeCore } from "./invoke-core.js";
import { chunked, readWhole, STREAM_CHUNK_BYTES, writeWithBackpressure, type StreamPayload } from "./stream-payloads.js";

export interface CalleeResponseMessage {
  response?: StreamResponseHead;
  payload?: StreamPayload;
}

/** Where a call delivers its request: each message, then the caller's end, or a close when the call went away first. */
export interface RequestSink {
  message(m: DecodedRequestMessage): void;
  end(): void;
  close(): void;
}

/** What serving CallLocalStream needs of the call that carries it. */
export interface CalleeCall {
  /** True once the caller cancelled (or its deadline passed). */
  readonly cancelled: boolean;
  listen(sink: RequestSink): void;
  /** No more of the request is wanted: what still arrives is dropped. */
  unlisten(): void;
  pause(): void;
  resume(): void;
  /** Sends one message; resolves when another may be sent. */
  write(m: CalleeResponseMessage): Promise<void>;
  /** Ends the answer with an OK status, after one last message if given. */
  end(last?: CalleeResponseMessage): void;
  /** Ends the call with the gRPC status `err` stands for. */
  fail(err: unknown): void;
  /** Calls `listener` on cancellation; returns the function that stops that. */
  onCancel(listener: () => void): () => void;
}

/** A call's cancellation, for the transports' CalleeCalls: listeners run once, when it happens. */
export class Cancellation {
  cancelled = false;
  private listeners: (() => void)[] = [];

  /** Calls `listener` on cancellation; returns the function that stops that. */
  on(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  fire(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }
}

/** What a streamed request body holds before the call is paused (grpc-js held about 16 messages). */
const BODY_BUFFER_BYTES = 4 * STREAM_CHUNK_BYTES;

// Hop-by-hop headers of the app's answer stay on this hop (RFC 9110 §7.6.1).
export const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);

/** Serves one CallLocalStream call; never throws (a failure ends the call with its status). */
export function serveCallLocalStream(core: InvokeCore, call: CalleeCall): void {
  serve(core, call).catch((err) => call.fail(err));
}

async function serve(core: InvokeCore, call: CalleeCall): Promise<void> {
  const { head, body } = await readRequest(call);
  const headers = head.metadata;
  const verb = head.verb && head.verb !== "NONE" ? head.verb : "POST";

  let answer;
  try {
    answer = await core.handleInboundStream({
      callerAppId: headers["dapr-caller-app-id"], callerNamespace: headers["dapr-caller-namespace"],
      method: head.method, verb, query: head.query, headers, body, contentType: head.contentType || undefined,
    });
  } catch (err) {
    if (body && !Buffer.isBuffer(body)) body.destroy();
    if (!(err instanceof DaprError)) throw err;
    // Dapr errors of the callee (e.g. an access-control deny) travel back as the HTTP answer, as on CallLocal.
    call.end({
      response: { status: err.httpStatus, message: err.message, headers: { "content-type": "application/json" }, contentType: "application/json" },
      payload: { data: Buffer.from(JSON.stringify(err.toJSON())), seq: 0 },
    });
    return;
  }

  const responseHeaders: Record<string, string> = {};
  for (const k in answer.headers) if (!hopByHop.has(k) && k !== "__proto__") responseHeaders[k] = answer.headers[k]!;
  const response: StreamResponseHead = { status: answer.status, message: "", headers: responseHeaders, contentType: answer.contentType ?? "" };
  // A small answer of known length goes whole in one message: the usual case, and the cheapest.
  // (The HTTP app channel reads such an answer whole itself.)
  let body$: Readable;
  const length = Number(answer.headers["content-length"] ?? NaN);
  if (Buffer.isBuffer(answer.body) || length <= STREAM_CHUNK_BYTES) {
    const data = Buffer.isBuffer(answer.body) ? answer.body : await readWhole(answer.body);
    if (data.length <= STREAM_CHUNK_BYTES) {
      call.end({ response, payload: { data, seq: 0 } });
      return;
    }
    body$ = Readable.from([data]);
  } else body$ = answer.body;

  // The caller went away: stop reading the app's answer.
  const stopCancel = call.onCancel(() => body$.destroy());
  try {
    await call.write({ response });
    let seq = 0;
    for await (const chunk of chunked(body$)) {
      if (call.cancelled) return;
      await call.write({ payload: { data: chunk, seq: seq++ } });
    }
    call.end();
  } finally {
    stopCancel();
  }
}

/**
 * Reads the request head and decides what the body is: undefined (none, or
 * only empty chunks), a Buffer (one chunk, then the caller's end), or a stream
 * (a second chunk arrived first). Resolves as soon as that is known; checks
 * each chunk's `seq` (0, 1, 2, ...) and that only the first message has a head.
 */
function readRequest(call: CalleeCall): Promise<{ head: NonNullable<DecodedRequestMessage["request"]>; body: Buffer | Readable | undefined }> {
  return new Promise((resolve, reject) => {
    let head: DecodedRequestMessage["request"];
    let expected = 0;
    let held: Buffer | undefined;
    let stream: Readable | undefined;
    let ended = false;

    const fail = (err: Error) => {
      call.unlisten();
      if (stream) stream.destroy(err);
      else reject(err);
    };
    const take = (p: StreamPayload) => {
      if (Number(p.seq) !== expected) return fail(new Error(`stream chunk out of order: expected seq ${expected}, got ${p.seq}`));
      expected++;
      const data = p.data;
      if (!data.length) return;
      if (stream) {
        if (!stream.push(data)) call.pause();
        return;
      }
      if (!held) {
        held = data;
        return;
      }
      // More than one chunk: the app reads the body as it arrives.
      stream = new Readable({
        // Room for a few chunks before the call is paused: pausing the HTTP/2 stream withholds
        // its flow-control window, and doing so at every chunk stalls the caller once per chunk.
        highWaterMark: BODY_BUFFER_BYTES,
        read: () => call.resume(),
        destroy: (err, cb) => {
          // The app stopped reading (or the body failed): the rest of the request is dropped, the call still answers.
          if (!ended) {
            call.unlisten();
            call.resume();
          }
          cb(err);
        },
      });
      stream.push(held);
      held = undefined;
      if (!stream.push(data)) call.pause();
      resolve({ head: head!, body: stream });
    };

    call.listen({
      message: (m) => {
        if (!head) {
          if (!m.request) return fail(new Error("CallLocalStream: the first message must carry the request"));
          head = m.request;
          if (m.payload) take(m.payload);
          return;
        }
        if (!m.payload) return fail(new Error("CallLocalStream: a message after the first carries no payload"));
        take(m.payload);
      },
      end: () => {
        ended = true;
        call.unlisten();
        if (!head) return reject(new Error("CallLocalStream: the first message must carry the request"));
        if (stream) stream.push(null);
        else resolve({ head, body: held });
      },
      // A close before the end: the caller cancelled.
      close: () => fail(new Error("CallLocalStream: the caller cancelled the call")),
    });
  });
}

// ---- grpc-js's call ----

/** InternalInvokeRequestStream as grpc-js's protobufjs deserializer gives it. */
interface ProtoRequestMessage {
  request?: {
    metadata: Record<string, { values: string[] }>;
    message: { method: string; content_type: string; http_extension: { verb: string | number; querystring: string } | null } | null;
  } | null;
  payload?: StreamPayload | null;
}

type GrpcJsCall = grpc.ServerDuplexStream<ProtoRequestMessage, unknown>;

/** The method's grpc-js handler (its registration; the internal server serves it raw, call-local-stream-h2.ts). */
export function callLocalStreamHandler(core: InvokeCore): grpc.handleBidiStreamingCall<ProtoRequestMessage, unknown> {
  return (call) => serveCallLocalStream(core, grpcJsCallee(call));
}

function grpcJsCallee(call: GrpcJsCall): CalleeCall {
  let sink: RequestSink | undefined;
  const onData = (m: ProtoRequestMessage) => sink?.message(fromProto(m));
  const onEnd = () => sink?.end();
  const onClose = () => sink?.close();
  return {
    get cancelled() {
      return call.cancelled;
    },
    listen(s) {
      sink = s;
      call.on("data", onData);
      call.on("end", onEnd);
      call.on("close", onClose);
    },
    unlisten() {
      sink = undefined;
      call.off("data", onData);
      call.off("end", onEnd);
      call.off("close", onClose);
    },
    pause: () => call.pause(),
    resume: () => call.resume(),
    write: (m) => writeWithBackpressure(call, toProto(m)),
    // grpc-js's end() takes trailing metadata, not a last message.
    end(m) {
      if (m) call.write(toProto(m));
      call.end();
    },
    fail(err) {
      if (call.cancelled || call.destroyed) return;
      call.emit("error", toServiceError(err));
    },
    onCancel(listener) {
      call.once("cancelled", listener);
      return () => call.off("cancelled", listener);
    },
  };
}

function fromProto(m: ProtoRequestMessage): DecodedRequestMessage {
  const out: DecodedRequestMessage = {};
  if (m.request) {
    const msg = m.request.message;
    const verb = msg?.http_extension?.verb;
    out.request = {
      method: msg?.method ?? "", contentType: msg?.content_type ?? "", verb: typeof verb === "string" ? verb : "NONE",
      query: msg?.http_extension?.querystring ?? "", metadata: fromListMap(m.request.metadata),
    };
  }
  if (m.payload) out.payload = m.payload;
  return out;
}

function toProto(m: CalleeResponseMessage): unknown {
  const r = m.response;
  return {
    response: r ? { status: { code: r.status, message: r.message }, headers: toListMap(r.headers), message: { content_type: r.contentType } } : undefined,
    payload: m.payload,
  };
}
