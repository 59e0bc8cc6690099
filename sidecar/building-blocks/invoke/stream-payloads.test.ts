import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { chunked, openBody, payloadData, STREAM_CHUNK_BYTES, writeWithBackpressure, type StreamPayload } from "./stream-payloads.js";

type Msg = { payload?: StreamPayload | null };

function messages(list: Msg[]): AsyncIterator<Msg> {
  return (async function* () {
    yield* list;
  })();
}

const p = (data: string, seq: number): Msg => ({ payload: { data: Buffer.from(data), seq } });

async function text(body: Buffer | Readable): Promise<string> {
  return Buffer.isBuffer(body) ? body.toString() : Buffer.concat(await body.toArray()).toString();
}

describe("chunked", () => {
  it("splits large pieces into 64 KiB slices and drops empty ones", async () => {
    const big = Buffer.alloc(STREAM_CHUNK_BYTES * 2 + 10, 7);
    const out: Buffer[] = [];
    for await (const c of chunked(Readable.from([Buffer.alloc(0), big, "ab"]))) out.push(c);
    expect(out.map((c) => c.length)).toEqual([STREAM_CHUNK_BYTES, STREAM_CHUNK_BYTES, 10, 2]);
    expect(Buffer.concat(out).subarray(0, big.length).equals(big)).toBe(true);
  });
});

describe("payloadData", () => {
  it("yields the chunks in order, the leading message's payload first", async () => {
    const out: string[] = [];
    for await (const d of payloadData({ data: Buffer.from("a"), seq: 0 }, messages([p("b", 1), p("", 2), p("c", "3" as never)]))) out.push(d.toString());
    expect(out).toEqual(["a", "b", "c"]);
  });

  it("rejects a chunk out of order, and a later message without a payload", async () => {
    await expect(Readable.from(payloadData(null, messages([p("a", 0), p("b", 2)]))).toArray()).rejects.toThrow(/expected seq 1, got 2/);
    await expect(Readable.from(payloadData(null, messages([p("a", 0), {}]))).toArray()).rejects.toThrow(/no payload/);
  });
});

describe("openBody", () => {
  it("gives a Buffer when the leading message carried the whole body", async () => {
    const b = await openBody({ data: Buffer.from("whole"), seq: 0 }, messages([]), false);
    expect(Buffer.isBuffer(b)).toBe(true);
    expect(b.toString()).toBe("whole");
  });

  it("gives an empty Buffer when no body follows", async () => {
    const b = await openBody(null, messages([]), true);
    expect(Buffer.isBuffer(b) && b.length).toBe(0);
  });

  it("gives a stream of every chunk when more follow", async () => {
    const lead = await openBody({ data: Buffer.from("a"), seq: 0 }, messages([p("b", 1), p("c", 2)]), false);
    expect(Buffer.isBuffer(lead)).toBe(false);
    expect(await text(lead)).toBe("abc");
    const waited = await openBody(null, messages([p("x", 0), p("y", 1)]), true);
    expect(Buffer.isBuffer(waited)).toBe(false);
    expect(await text(waited)).toBe("xy");
  });

  it("returns a stream at once, before any chunk, when told not to wait", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = (async function* () {
      await gate;
      yield p("late", 0);
    })();
    const b = await openBody(null, slow, false);
    expect(Buffer.isBuffer(b)).toBe(false);
    release();
    expect(await text(b)).toBe("late");
  });
});

describe("writeWithBackpressure", () => {
  it("waits for drain when the stream's buffer is full", async () => {
    const s = new PassThrough({ highWaterMark: 4 });
    let done = false;
    const w = writeWithBackpressure(s, Buffer.from("12345678")).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    s.resume();
    await w;
    expect(done).toBe(true);
  });
});
