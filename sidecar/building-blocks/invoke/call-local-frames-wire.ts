// How a service invocation travels between two dapr-ts sidecars: CallLocalStream's
// own messages (call-local-stream-codec.ts), framed as gRPC frames them, straight
// over a TCP connection to the internal port, with no HTTP/2 or HTTP/1.1 around
// them. On Node, the HTTP layers cost more CPU than everything else a relay does:
// two minimal Node relays spent 64-74 µs per call each with an HTTP/1.1 hop
// between them, 40-55 µs with this one (same machine, alternating rounds).
//
// A connection carries one call at a time, as an HTTP/1.1 keep-alive connection
// does; callers keep a pool of them per callee (call-local-frames-client.ts).
// Back-pressure on the answer is the socket's own: a caller that stops reading
// stops the callee's writes. On the request it is a window, as in HTTP/2: the
// caller sends at most REQUEST_WINDOW_BYTES of messages the callee has not
// handed on yet, and the callee grants more (CREDIT) as its app reads. So the
// callee never stops reading its socket, and sees at once when a caller that
// gave up closes it, even while its app reads nothing.
//
//   both sides open with PREFACE (the callee's tells the caller it speaks this);
//   then, per call:
//   caller: MESSAGE frames (request head, body chunks), then END
//   callee: MESSAGE frames (response head, body chunks), then END with the
//           status; CREDIT frames until then
//   frame:  1 byte flag (MESSAGE, END or CREDIT) | 4 bytes big-endian length | bytes
//   END:    empty for OK; else 1 byte gRPC code then the details in UTF-8
//   CREDIT: 4 bytes big-endian, the number of request bytes (frames whole,
//           headers included) the caller may send beyond its window
//
// The callee may answer before the request has ended (an access-control deny):
// the caller then stops sending and closes the connection rather than reuse it.
// A caller that gives up (a timeout) closes the connection: the callee cancels.
//
// A caller uses it only with a callee that said it takes it (the header below,
// on its CallLocalStream answers); every call to a Dapr sidecar goes over gRPC.
import * as grpc from "@grpc/grpc-js";
import { FrameReader } from "../../api/grpc/h2/grpc-frames.js";
import { GrpcStatusError } from "../../api/grpc/h2/grpc-status.js";

/** Sent by a dapr-ts callee on its CallLocalStream answers: "this port also takes framed calls". */
export const FRAMES_ADVERT_HEADER = "dapr-ts-internal-frames";
export const FRAMES_ADVERT_VALUE = "1";

/** The first bytes each side sends. "dapr" tells it from HTTP/2's "PRI " (api/grpc/internal-frames.ts). */
export const PREFACE = Buffer.from("dapr-ts frames/1\n");

export const MESSAGE = 0;
export const END = 0x80;
export const CREDIT = 0x40;

/** Request bytes a caller may send before the callee grants more: 16 body chunks of 64 KiB. */
export const REQUEST_WINDOW_BYTES = 1024 * 1024;

const END_OK = Buffer.from([END, 0, 0, 0, 0]);

/** A reader of this connection's frames (their flags in `reader.flags`). */
export function framesReader(): FrameReader {
  return new FrameReader(undefined, (flag) => flag === MESSAGE || flag === END || flag === CREDIT);
}

/** A CREDIT frame granting `bytes` more. */
export function creditFrame(bytes: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = CREDIT;
  out.writeUInt32BE(4, 1);
  out.writeUInt32BE(bytes, 5);
  return out;
}

// grpc-js's status codes, read once: the bundle reaches a CommonJS module's exports through
// a getter, and every framed call ends with an END frame on each side.
const OK = grpc.status.OK;

/** The END frame: OK, or the gRPC status the call ended with. */
export function endFrame(code: grpc.status = OK, details = ""): Buffer {
  if (code === OK) return END_OK;
  const text = Buffer.from(details);
  const out = Buffer.allocUnsafe(6 + text.length);
  out[0] = END;
  out.writeUInt32BE(1 + text.length, 1);
  out[5] = code;
  text.copy(out, 6);
  return out;
}

/** What an END frame's bytes say: null for OK, else the call's error. */
export function readEnd(payload: Buffer): GrpcStatusError | null {
  if (payload.length === 0) return null;
  return new GrpcStatusError(payload[0]! as grpc.status, payload.toString("utf8", 1));
}

/**
 * Checks the peer's preface as its bytes arrive. Returns the offset in `chunk`
 * where frames begin (chunk.length when the preface is not through yet), or -1
 * when the peer sent something else.
 */
export class PrefaceCheck {
  private seen = 0;

  get done(): boolean {
    return this.seen === PREFACE.length;
  }

  take(chunk: Buffer): number {
    const n = Math.min(PREFACE.length - this.seen, chunk.length);
    if (chunk.compare(PREFACE, this.seen, this.seen + n, 0, n) !== 0) return -1;
    this.seen += n;
    return n;
  }
}
