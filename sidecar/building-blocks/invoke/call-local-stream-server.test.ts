import { Duplex, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { AppStreamResponse } from "../../app-channel/app-channel.js";
import { callLocalStreamHandler } from "./call-local-stream-server.js";
import type { InboundStreamInvoke, InvokeCore } from "./invoke-core.js";
import { STREAM_CHUNK_BYTES } from "./stream-payloads.js";

/** A stand-in for grpc-js's server call: an object-mode duplex that records what the handler writes. */
function fakeCall() {
  const written: any[] = [];
  let ended = false;
  const call = new Duplex({
    objectMode: true,
    read() {},
    write(chunk, _enc, cb) {
      written.push(chunk);
      cb();
    },
    final(cb) {
      ended = true;
      cb();
    },
  }) as Duplex & { cancelled: boolean };
  call.cancelled = false;
  const errors: any[] = [];
  call.on("error", (e) => errors.push(e));
  return { call, written, errors, isEnded: () => ended };
}

const head = (verb = "POST") => ({
  metadata: { "dapr-caller-app-id": { values: ["caller"] }, "x-a": { values: ["1", "2"] } },
  message: { method: "echo", content_type: "text/plain", http_extension: { verb, querystring: "q=1" } },
});
const chunk = (data: string | Buffer, seq: number) => ({ payload: { data: Buffer.isBuffer(data) ? data : Buffer.from(data), seq } });

/** A core whose app answers `answer`, recording what it was called with (the body read whole). */
function fakeCore(answer: (req: InboundStreamInvoke) => AppStreamResponse | Promise<AppStreamResponse>) {
  const seen: { req: InboundStreamInvoke; body: string | undefined; kind: string }[] = [];
  const core = {
    handleInboundStream: async (req: InboundStreamInvoke) => {
      const kind = req.body === undefined ? "none" : Buffer.isBuffer(req.body) ? "buffer" : "stream";
      const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body.toString() : Buffer.concat(await req.body.toArray()).toString();
      seen.push({ req, body, kind });
      return answer(req);
    },
  } as unknown as InvokeCore;
  return { core, seen };
}

const ok = (): AppStreamResponse => ({ status: 200, headers: { "content-length": "2", connection: "keep-alive", "x-b": "b" }, body: Readable.from([Buffer.from("ok")]), contentType: "text/plain" });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe("CallLocalStream server", () => {
  it("hands a one-message body to the app as a Buffer and answers in one message", async () => {
    const { call, written, isEnded } = fakeCall();
    const { core, seen } = fakeCore(ok);
    callLocalStreamHandler(core)(call as never);
    call.push({ request: head(), payload: chunk("hello", 0).payload });
    call.push(null);
    await until(isEnded);
    expect(seen[0]!.kind).toBe("buffer");
    expect(seen[0]!.body).toBe("hello");
    expect(seen[0]!.req).toMatchObject({ method: "echo", verb: "POST", query: "q=1", callerAppId: "caller", contentType: "text/plain" });
    expect(seen[0]!.req.headers["x-a"]).toBe("1, 2");
    expect(written).toHaveLength(1);
    // Hop-by-hop headers of the app's answer stay behind; the rest travel on.
    expect(written[0].response.headers).toEqual({ "content-length": { values: ["2"] }, "x-b": { values: ["b"] } });
    expect(written[0].payload.data.toString()).toBe("ok");
  });

  it("passes no body when the caller sent none (or only empty chunks)", async () => {
    const { call, isEnded } = fakeCall();
    const { core, seen } = fakeCore(ok);
    callLocalStreamHandler(core)(call as never);
    call.push({ request: head("GET"), payload: null });
    call.push(chunk("", 0));
    call.push(null);
    await until(isEnded);
    expect(seen[0]!.kind).toBe("none");
    expect(seen[0]!.req.verb).toBe("GET");
  });

  it("streams a body of several chunks to the app, in order", async () => {
    const { call, isEnded } = fakeCall();
    const { core, seen } = fakeCore(ok);
    callLocalStreamHandler(core)(call as never);
    call.push({ request: head(), payload: chunk("a", 0).payload });
    call.push(chunk("b", 1));
    call.push(chunk("c", 2));
    call.push(null);
    await until(isEnded);
    expect(seen[0]!.kind).toBe("stream");
    expect(seen[0]!.body).toBe("abc");
  });

  it("pauses the call while the app does not read a streamed body", async () => {
    const { call } = fakeCall();
    let appBody: Readable | undefined;
    const core = { handleInboundStream: async (req: InboundStreamInvoke) => { appBody = req.body as Readable; return new Promise<never>(() => {}); } } as unknown as InvokeCore;
    callLocalStreamHandler(core)(call as never);
    call.push({ request: head(), payload: null });
    const big = Buffer.alloc(STREAM_CHUNK_BYTES);
    for (let i = 0; i < 8; i++) call.push(chunk(big, i));
    await until(() => appBody !== undefined && call.isPaused());
    // Bounded: the body holds what arrived, not more than a few chunks.
    expect(appBody!.readableLength).toBeLessThanOrEqual(8 * STREAM_CHUNK_BYTES);
    appBody!.resume();
    await until(() => !call.isPaused());
  });

  it("fails the call on a chunk out of order, and on a first message without the request", async () => {
    for (const msgs of [[{ request: head(), payload: chunk("a", 1).payload }], [chunk("a", 0)]]) {
      const { call, errors } = fakeCall();
      const { core, seen } = fakeCore(ok);
      callLocalStreamHandler(core)(call as never);
      for (const m of msgs) call.push(m);
      call.push(null);
      await until(() => errors.length > 0);
      expect(seen).toHaveLength(0);
    }
  });

  it("answers a whole small body read from a stream of several pieces in one message", async () => {
    const { call, written, isEnded } = fakeCall();
    const { core } = fakeCore(() => ({ status: 201, headers: { "content-length": "6" }, body: Readable.from([Buffer.from("abc"), "def"]) }));
    callLocalStreamHandler(core)(call as never);
    call.push({ request: head(), payload: null });
    call.push(null);
    await until(isEnded);
    expect(written).toHaveLength(1);
    expect(written[0].response.status.code).toBe(201);
    expect(written[0].payload.data.toString()).toBe("abcdef");
  });
});
