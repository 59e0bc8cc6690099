// Chunking and flow control for CallLocalStream bodies (common.v1.StreamPayload).
// Bodies move in chunks of at most 64 KiB; a sender waits for 'drain' whenever
// the next hop's buffer is full, so a slow reader slows the source down and no
// side ever holds a whole body.
//
// Small bodies take a shortcut (the per-message cost matters for latency): a
// sender that already has a whole body of at most one chunk puts it in the
// leading request/response message and ends the stream at once; a receiver that
// finds a payload in the leading message checks for that end and, if so, hands
// on one Buffer (sent on with a content-length) instead of a stream.
import { Readable, type Writable } from "node:stream";

export const STREAM_CHUNK_BYTES = 64 * 1024;

export interface StreamPayload {
  data: Buffer;
  seq: number | string;
}

/** Splits a byte stream into non-empty chunks of at most 64 KiB (slices, no copies). */
export async function* chunked(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  for await (const piece of source) {
    const buf = typeof piece === "string" ? Buffer.from(piece) : piece;
    for (let off = 0; off < buf.length; off += STREAM_CHUNK_BYTES) yield buf.subarray(off, off + STREAM_CHUNK_BYTES);
  }
}

/**
 * A whole (small) stream as one Buffer, read with plain events: no async
 * iteration, and no copy when it came in one chunk.
 */
export function readWhole(body: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    body.on("data", (c: Buffer | string) => {
      const buf = typeof c === "string" ? Buffer.from(c) : c;
      chunks.push(buf);
      size += buf.length;
    });
    body.once("end", () => {
      ended = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    body.once("error", reject);
    body.once("close", () => {
      if (!ended) reject(new Error("the body was cut short"));
    });
  });
}

/** Writes one message; resolves at once, or when the stream drains (or ends) if its buffer is full. */
export function writeWithBackpressure(stream: Writable, msg: unknown): Promise<void> {
  if (stream.write(msg)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}

/**
 * The body carried by the payloads of a stream of messages, in order, checking
 * each `seq` (Dapr requires 0, 1, 2, ...). `first` is the payload, if any, that
 * came with the leading request/response message.
 */
export async function* payloadData(first: StreamPayload | null | undefined, rest: AsyncIterator<{ payload?: StreamPayload | null }>): AsyncGenerator<Buffer> {
  let expected = 0;
  const take = (p: StreamPayload): Buffer => {
    if (Number(p.seq) !== expected) throw new Error(`stream chunk out of order: expected seq ${expected}, got ${p.seq}`);
    expected++;
    return p.data;
  };
  try {
    if (first) {
      const d = take(first);
      if (d.length) yield d;
    }
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      const p = next.value.payload;
      if (!p) throw new Error("stream message after the first carries no payload");
      const d = take(p);
      if (d.length) yield d;
    }
  } finally {
    // A reader that stops early (or a bad chunk) must release the underlying call.
    await rest.return?.();
  }
}

/**
 * Opens the body that follows a leading message: a Buffer when the sender put a
 * whole small body in the leading message (or sent none), else a stream that
 * pulls chunks as they are read. With `waitForData` false and nothing in the
 * leading message, the stream is returned at once, without waiting for a first
 * chunk (an answer's headers must not wait for its body).
 */
export async function openBody(
  first: StreamPayload | null | undefined,
  rest: AsyncIterator<{ payload?: StreamPayload | null }>,
  waitForData: boolean,
): Promise<Buffer | Readable> {
  const data = payloadData(first, rest);
  if (!first && !waitForData) return Readable.from(data, { objectMode: false });
  const a = await data.next();
  if (a.done) return Buffer.alloc(0);
  if (!first) return Readable.from(prepend([a.value], data), { objectMode: false });
  const b = await data.next();
  if (b.done) return a.value;
  return Readable.from(prepend([a.value, b.value], data), { objectMode: false });
}

async function* prepend(head: Buffer[], rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}
