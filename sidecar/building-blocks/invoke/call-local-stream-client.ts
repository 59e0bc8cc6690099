// Caller side of CallLocalStream: sends the request header, then the body in
// payload chunks as fast as the callee takes them; resolves once the callee's
// response header arrives, with the response body as a stream (or a Buffer when
// the callee sent a whole small body at once). Runs on the lean HTTP/2 channel
// (api/grpc/h2/), or on framed TCP to another dapr-ts sidecar
// (call-local-frames-client.ts), with the messages written and read by
// call-local-stream-codec.ts.
import type { IncomingHttpHeaders } from "node:http2";
import type { Readable } from "node:stream";
import { mayAbort } from "../../resiliency/index.js";
import { decodeResponseMessage, encodeRequestFrame, type DecodedResponseMessage, type StreamRequestHead } from "./call-local-stream-codec.js";
import { chunked, openBody } from "./stream-payloads.js";
import { FRAMES_ADVERT_HEADER, FRAMES_ADVERT_VALUE } from "./call-local-frames-wire.js";

export interface StreamedAnswer {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: Readable | Buffer;
  /** The callee said its port also takes framed calls (call-local-frames-wire.ts). */
  frames?: boolean;
}

/** One CallLocalStream call as its caller drives it, whatever carries it. */
export interface CallerStream {
  /** Sends one framed message; resolves when the transport can take more (or the call is over). */
  sendFrame(frame: Buffer): Promise<void>;
  /**
   * No more of the request, after one last framed message if given. `trailed`: the frame's buffer
   * already ends with `lastFrameTrailer` (encoded with it, so it goes out in one write without a copy).
   */
  endWithFrame(frame?: Buffer, trailed?: boolean): void;
  /** What this transport sends after a call's last message (the framed transport's END frame); none on HTTP/2. */
  readonly lastFrameTrailer?: Buffer;
  end(): void;
  /** Ends the call from this side; the reader sees CANCELLED. */
  cancel(): void;
  /** The next message of the answer; undefined after the last one of a call that ended OK; rejects with its error. */
  next(): Promise<Buffer | undefined>;
  /** True once the call has ended (status known). */
  readonly finished: boolean;
  /** True once the call has ended OK and every message of the answer has been read. */
  readonly drained: boolean;
  /** The answer's headers, on transports that have them. */
  readonly headers: IncomingHttpHeaders | undefined;
}

export interface CallerChannel {
  start(path: string): CallerStream;
}

const PATH = "/dapr.proto.internals.v1.ServiceInvocation/CallLocalStream";
const NO_BODY = Buffer.alloc(0);

/**
 * `body`: a Buffer (or undefined, no body) is sent whole in the leading
 * message; a stream goes out in chunks.
 */
export async function callLocalStream(channel: CallerChannel, head: StreamRequestHead, body: AsyncIterable<Buffer> | Buffer | undefined, signal: AbortSignal): Promise<StreamedAnswer> {
  const call = channel.start(PATH);
  // Only until the answer's head is in: the body that follows is cancelled by whoever reads it.
  // (A run without a resiliency timeout passes a signal that never aborts: no listener then.)
  const watched = mayAbort(signal);
  const onAbort = () => call.cancel();
  if (watched) {
    if (signal.aborted) call.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
  }

  if (body === undefined || Buffer.isBuffer(body)) {
    const trailer = call.lastFrameTrailer;
    call.endWithFrame(encodeRequestFrame(head, { data: body ?? NO_BODY, seq: 0 }, trailer), trailer !== undefined);
  } else {
    pump(call, head, body).catch(() => {
      // The caller's body broke off (client went away): the call cannot complete.
      call.cancel();
    });
  }

  const next = (): Promise<DecodedResponseMessage | undefined> => call.next().then(decodeOrEnd);
  try {
    // The first message read straight (not through next()): one promise less on every call.
    const first = decodeOrEnd(await call.next());
    if (!first?.response) throw new Error("the target sidecar closed the stream without a response");
    const r = first.response;
    // The usual answer: one message, and the call already over (framed calls read its end with it).
    const answer = first.payload && call.drained && Number(first.payload.seq) === 0
      ? first.payload.data
      : first.payload ? await wholeOrStream(first.payload, next) : await openBody(undefined, iterate(next), false);
    // Whoever reads the answer stopped (or it ended): a finished call ignores this, a running one stops.
    if (!Buffer.isBuffer(answer)) answer.once("close", () => call.cancel());
    const frames = call.headers?.[FRAMES_ADVERT_HEADER] === FRAMES_ADVERT_VALUE;
    return { status: r.status, headers: r.headers, contentType: r.contentType, body: answer, frames };
  } catch (err) {
    call.cancel();
    throw err;
  } finally {
    if (watched) signal.removeEventListener("abort", onAbort);
  }
}

const decodeOrEnd = (m: Buffer | undefined): DecodedResponseMessage | undefined => (m === undefined ? undefined : decodeResponseMessage(m));

/**
 * The answer's body when its first chunk came with the head: that chunk alone
 * when the call ends right after it (a whole small answer, the usual case,
 * read without stream machinery), else a stream of all of them.
 */
async function wholeOrStream(first: NonNullable<DecodedResponseMessage["payload"]>, next: () => Promise<DecodedResponseMessage | undefined>): Promise<Buffer | Readable> {
  if (Number(first.seq) !== 0) throw new Error(`stream chunk out of order: expected seq 0, got ${first.seq}`);
  const second = await next();
  if (second === undefined) return first.data;
  // Not the whole answer: from here on it streams, the second message first.
  let pending: DecodedResponseMessage | undefined = second;
  const rest = iterate(() => {
    const m = pending;
    pending = undefined;
    return m ? Promise.resolve(m) : next();
  });
  return openBody(first, rest, true);
}

/** The call's remaining messages as an iterator (the call ends by itself once they are read). */
function iterate(next: () => Promise<DecodedResponseMessage | undefined>): AsyncIterator<DecodedResponseMessage> {
  return {
    next: async () => {
      const m = await next();
      return m === undefined ? { done: true, value: undefined } : { done: false, value: m };
    },
    // A reader that stops early cancels the call (the 'close' listener above).
    return: async () => ({ done: true, value: undefined }),
  };
}

async function pump(call: CallerStream, head: StreamRequestHead, body: AsyncIterable<Buffer>): Promise<void> {
  await call.sendFrame(encodeRequestFrame(head, undefined));
  let seq = 0;
  for await (const data of chunked(body)) {
    // The callee may answer (e.g. access denied) without reading the body: stop sending then.
    if (call.finished) return;
    await call.sendFrame(encodeRequestFrame(undefined, { data, seq: seq++ }));
  }
  call.end();
}
