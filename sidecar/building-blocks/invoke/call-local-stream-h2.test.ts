import http2 from "node:http2";
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { H2GrpcChannel } from "../../api/grpc/h2/grpc-channel.js";
import { buildInternalGrpc } from "../../api/grpc/internal-server.js";
import { rawHandlerOf, withRawHandler } from "../../api/grpc/unary-fast-path.js";
import type { AppStreamResponse } from "../../app-channel/app-channel.js";
import { Errors } from "../../errors/catalog.js";
import { callLocalStream } from "./call-local-stream-client.js";
import { encodeRequestMessage } from "./call-local-stream-codec.js";
import type { InboundStreamInvoke, InvokeCore } from "./invoke-core.js";
import { invokeInternalHandlers } from "./invoke-grpc.js";
import { STREAM_CHUNK_BYTES } from "./stream-payloads.js";

const PATH = "/dapr.proto.internals.v1.ServiceInvocation/CallLocalStream";
const MiB = 1024 * 1024;

type App = (req: InboundStreamInvoke) => AppStreamResponse | Promise<AppStreamResponse>;

interface Running {
  port: number;
  channel: H2GrpcChannel;
  seen: InboundStreamInvoke[];
  grpcJsCalls: () => number;
  close(): void;
}

let running: Running | undefined;
afterEach(() => {
  running?.close();
  running = undefined;
});

/**
 * An internal server with invocation's own CallLocalStream handlers, over a
 * core whose app is `app`. "raw": as the sidecar builds it (the raw handler
 * wins); "grpc-js": the grpc-js registration alone. Both must behave the same.
 */
async function start(transport: "raw" | "grpc-js", app: App): Promise<Running> {
  const seen: InboundStreamInvoke[] = [];
  const core = { handleInboundStream: async (req: InboundStreamInvoke) => (seen.push(req), app(req)) } as unknown as InvokeCore;
  const handlers = invokeInternalHandlers(core);
  const raw = rawHandlerOf(handlers["CallLocalStream"]);
  expect(raw).toBeDefined();
  let grpcJsCalls = 0;
  const grpcJs = (call: unknown) => {
    grpcJsCalls++;
    (handlers["CallLocalStream"] as (c: unknown) => void)(call);
  };
  const server = buildInternalGrpc({ CallLocalStream: (transport === "raw" ? withRawHandler(grpcJs, raw!) : grpcJs) as never });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const channel = new H2GrpcChannel(`127.0.0.1:${port}`);
  return { port, channel, seen, grpcJsCalls: () => grpcJsCalls, close: () => { channel.close(); server.forceShutdown(); } };
}

const head = (verb = "PUT") => ({ method: "orders/1", contentType: "text/plain", verb, query: "q=1", metadata: { "dapr-caller-app-id": "caller", "x-a": "1, 2" } });

async function readAll(body: Readable | Buffer): Promise<Buffer> {
  return Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray());
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

/** An endless body in 64 KiB chunks, counting what was pulled from it. */
function endless(): { body: Readable; pulled: () => number } {
  let pulled = 0;
  const chunk = Buffer.alloc(STREAM_CHUNK_BYTES, 1);
  const body = new Readable({
    read() {
      pulled += chunk.length;
      this.push(chunk);
    },
  });
  return { body, pulled: () => pulled };
}

describe.each(["raw", "grpc-js"] as const)("CallLocalStream callee over %s", (transport) => {
  it("hands a small body to the app whole and answers in one message, without hop-by-hop headers", async () => {
    running = await start(transport, async () => ({
      status: 201, headers: { "content-length": "3", connection: "keep-alive", "x-b": "b" }, contentType: "text/plain",
      body: Readable.from([Buffer.from("ok:")]),
    }));
    const answer = await callLocalStream(running.channel, head(), Buffer.from("hello"), new AbortController().signal);
    expect(answer.status).toBe(201);
    expect(answer.headers).toEqual({ "content-length": "3", "x-b": "b" });
    expect(answer.contentType).toBe("text/plain");
    expect(Buffer.isBuffer(answer.body)).toBe(true);
    expect(answer.body.toString()).toBe("ok:");
    const req = running.seen[0]!;
    expect(req).toMatchObject({ method: "orders/1", verb: "PUT", query: "q=1", callerAppId: "caller", contentType: "text/plain" });
    expect(req.headers["x-a"]).toBe("1, 2");
    expect((req.body as Buffer).toString()).toBe("hello");
    expect(running.grpcJsCalls()).toBe(transport === "raw" ? 0 : 1);
  });

  it("streams large bodies both ways, in order", async () => {
    // The app answers with the request body as it reads it.
    running = await start(transport, async (req) => ({ status: 200, headers: {}, body: req.body as Readable }));
    const sent = Buffer.alloc(3 * MiB + 123);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7) & 0xff;
    async function* pieces() {
      for (let off = 0; off < sent.length; off += 100_000) yield sent.subarray(off, off + 100_000);
    }
    const answer = await callLocalStream(running.channel, head(), pieces(), new AbortController().signal);
    expect(answer.status).toBe(200);
    const got = await readAll(answer.body);
    expect(got.length).toBe(sent.length);
    expect(Buffer.compare(got, sent)).toBe(0);
  });

  it("answers the callee's Dapr errors as HTTP answers, and other failures as gRPC statuses", async () => {
    running = await start(transport, (req) => {
      if (req.method === "denied") throw Errors.directInvokeDenied("not you");
      throw new Error("app channel broke");
    });
    const denied = await callLocalStream(running.channel, { ...head(), method: "denied" }, undefined, new AbortController().signal);
    expect(denied.status).toBe(403);
    expect(denied.contentType).toBe("application/json");
    expect(JSON.parse(denied.body.toString()).message).toContain("not you");
    const failed = await callLocalStream(running.channel, head(), undefined, new AbortController().signal).catch((e) => e);
    expect(failed.code).toBe(grpc.status.INTERNAL);
    expect(failed.details).toContain("app channel broke");
  });

  it("stops reading the caller's body while the app does not read it", async () => {
    let appBody: Readable | undefined;
    running = await start(transport, (req) => {
      appBody = req.body as Readable;
      return new Promise<never>(() => {});
    });
    const source = endless();
    const ac = new AbortController();
    void callLocalStream(running.channel, head(), source.body, ac.signal).catch(() => {});
    await until(() => appBody !== undefined);
    await new Promise((r) => setTimeout(r, 300));
    const pulled = source.pulled();
    await new Promise((r) => setTimeout(r, 200));
    // Held up by flow control: a few windows' worth, and no more once it stalled.
    expect(pulled).toBeLessThan(16 * MiB);
    expect(source.pulled()).toBeLessThanOrEqual(pulled + 2 * STREAM_CHUNK_BYTES);
    // Reading again lets the rest through.
    let read = 0;
    appBody!.on("error", () => {}); // the call is cancelled below, failing the body
    appBody!.on("data", (c: Buffer) => (read += c.length));
    await until(() => read > pulled + MiB);
    ac.abort();
    source.body.destroy();
  });

  it("stops reading the app's answer while the caller does not read it, and drops it when the caller goes", async () => {
    const source = endless();
    running = await start(transport, () => ({ status: 200, headers: {}, body: source.body }));
    const answer = await callLocalStream(running.channel, head(), undefined, new AbortController().signal);
    const body = answer.body as Readable;
    await new Promise((r) => setTimeout(r, 300));
    const pulled = source.pulled();
    await new Promise((r) => setTimeout(r, 200));
    expect(pulled).toBeLessThan(24 * MiB);
    expect(source.pulled()).toBeLessThanOrEqual(pulled + 2 * STREAM_CHUNK_BYTES);
    // The caller stops reading for good: the app's answer is destroyed.
    body.destroy();
    await until(() => source.body.destroyed);
  });

  it("answers DEADLINE_EXCEEDED once grpc-timeout passes, INTERNAL to a malformed one, and to bytes that are no request", async () => {
    running = await start(transport, () => new Promise<never>(() => {}));
    const session = http2.connect(`http://127.0.0.1:${running.port}`);
    try {
      const request = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), encodeRequestMessage(head(), { data: Buffer.from("x"), seq: 0 })]);
      request.writeUInt32BE(request.length - 5, 1);
      const late = await rawCall(session, request, { "grpc-timeout": "50m" });
      expect(late["grpc-status"]).toBe(String(grpc.status.DEADLINE_EXCEEDED));
      const bad = await rawCall(session, request, { "grpc-timeout": "soon" });
      expect(bad["grpc-status"]).toBe(String(grpc.status.INTERNAL));
      const garbage = await rawCall(session, Buffer.from([0, 0, 0, 0, 2, 0x0b, 0x01]), {});
      expect(garbage["grpc-status"]).toBe(String(grpc.status.INTERNAL));
    } finally {
      session.close();
    }
  });
});

/** One call with hand-made bytes; resolves with the status headers (trailers, or a trailers-only answer). */
function rawCall(session: http2.ClientHttp2Session, body: Buffer, extra: http2.OutgoingHttpHeaders): Promise<http2.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": PATH, "content-type": "application/grpc", te: "trailers", ...extra });
    let headers: http2.IncomingHttpHeaders = {};
    req.on("response", (h) => (headers = h));
    req.on("trailers", (t) => (headers = { ...headers, ...t }));
    req.on("data", () => {});
    req.on("end", () => resolve(headers));
    req.on("close", () => resolve(headers));
    req.on("error", reject);
    req.end(body);
  });
}
