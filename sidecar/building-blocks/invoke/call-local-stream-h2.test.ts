import http2 from "node:http2";
import net from "node:net";
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { H2GrpcChannel } from "../../api/grpc/h2/grpc-channel.js";
import { buildInternalGrpc } from "../../api/grpc/internal-server.js";
import { rawHandlerOf, withRawHandler } from "../../api/grpc/unary-fast-path.js";
import type { AppStreamResponse } from "../../app-channel/app-channel.js";
import { Errors } from "../../errors/catalog.js";
import { acceptFrames } from "../../api/grpc/internal-frames.js";
import { FramesChannel, FramesConnectionError } from "./call-local-frames-client.js";
import { FramesConnections } from "./call-local-frames-server.js";
import { FRAMES_ADVERT_HEADER } from "./call-local-frames-wire.js";
import { serveCallLocalStream } from "./call-local-stream-server.js";
import { callLocalStream, type StreamedAnswer } from "./call-local-stream-client.js";
import type { StreamRequestHead } from "./call-local-stream-codec.js";
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
  /** One call as the transport under test makes it. */
  call(head: StreamRequestHead, body: AsyncIterable<Buffer> | Buffer | undefined, signal: AbortSignal): Promise<StreamedAnswer>;
  seen: InboundStreamInvoke[];
  grpcJsCalls: () => number;
  core: { acceptsFrames: boolean };
  frames: FramesChannel;
  connections: FramesConnections;
  close(): void;
}

let running: Running | undefined;
afterEach(() => {
  running?.close();
  running = undefined;
});

/**
 * An internal server with invocation's own handlers, over a core whose app is
 * `app`. "raw": CallLocalStream as the sidecar builds it (the raw handler
 * wins); "grpc-js": the grpc-js registration alone; "frames": the same port
 * taking the call framed over TCP, as from another dapr-ts sidecar. All three
 * must behave the same.
 */
async function start(transport: Transport, app: App): Promise<Running> {
  const seen: InboundStreamInvoke[] = [];
  const core = { acceptsFrames: false, handleInboundStream: async (req: InboundStreamInvoke) => (seen.push(req), app(req)) };
  const handlers = invokeInternalHandlers(core as unknown as InvokeCore);
  const raw = rawHandlerOf(handlers["CallLocalStream"]);
  expect(raw).toBeDefined();
  let grpcJsCalls = 0;
  const grpcJs = (call: unknown) => {
    grpcJsCalls++;
    (handlers["CallLocalStream"] as (c: unknown) => void)(call);
  };
  const server = buildInternalGrpc({ CallLocalStream: (transport === "grpc-js" ? grpcJs : withRawHandler(grpcJs, raw!)) as never });
  const connections = new FramesConnections((call) => serveCallLocalStream(core as unknown as InvokeCore, call));
  expect(acceptFrames(server, (socket) => connections.take(socket))).toBe(true);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const channel = new H2GrpcChannel(`127.0.0.1:${port}`);
  const frames = new FramesChannel("127.0.0.1", port);
  return {
    port, channel, seen, core, grpcJsCalls: () => grpcJsCalls, frames, connections,
    call: (h, body, signal) => callLocalStream(transport === "frames" ? frames : channel, h, body, signal),
    close: () => {
      channel.close();
      frames.close();
      server.forceShutdown();
      void connections.close(0);
    },
  };
}

type Transport = "raw" | "grpc-js" | "frames";

const head = (verb = "PUT"): StreamRequestHead => ({ method: "orders/1", contentType: "text/plain", verb, query: "q=1", metadata: { "dapr-caller-app-id": "caller", "x-a": "1, 2" } });

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

describe.each(["raw", "grpc-js", "frames"] as const)("invocation callee over %s", (transport) => {
  it("hands a small body to the app whole and answers in one message, without hop-by-hop headers", async () => {
    running = await start(transport, async () => ({
      status: 201, headers: { "content-length": "3", connection: "keep-alive", "x-b": "b" }, contentType: "text/plain",
      body: Readable.from([Buffer.from("ok:")]),
    }));
    const answer = await running.call(head(), Buffer.from("hello"), new AbortController().signal);
    expect(answer.status).toBe(201);
    expect(answer.headers).toEqual({ "content-length": "3", "x-b": "b" });
    expect(answer.contentType).toBe("text/plain");
    expect(Buffer.isBuffer(answer.body)).toBe(true);
    expect(answer.body.toString()).toBe("ok:");
    const req = running.seen[0]!;
    expect(req).toMatchObject({ method: "orders/1", verb: "PUT", query: "q=1", callerAppId: "caller", contentType: "text/plain" });
    expect(req.headers["x-a"]).toBe("1, 2");
    expect((req.body as Buffer).toString()).toBe("hello");
    expect(running.grpcJsCalls()).toBe(transport === "grpc-js" ? 1 : 0);
  });

  it("passes method, query, verb, content type and headers through exactly as given", async () => {
    running = await start(transport, async () => ({ status: 200, headers: {}, body: Readable.from([]) }));
    const calls: StreamRequestHead[] = [
      { method: "a%2Fb/c..d/%20x", contentType: "application/json", verb: "GET", query: "x=%20y&z=1&z=2", metadata: { "dapr-caller-app-id": "c", "content-type": "text/plain" } },
      { method: "", contentType: "", verb: "DELETE", query: "", metadata: { "content-type": "text/plain", "x-empty": "" } },
      { method: "m", contentType: "text/csv", verb: "POST", query: "", metadata: {} },
    ];
    for (const h of calls) await running.call(h, Buffer.from("b"), new AbortController().signal);
    expect(running.seen.map((r) => [r.method, r.query, r.verb, r.contentType, r.headers, r.callerAppId])).toEqual([
      ["a%2Fb/c..d/%20x", "x=%20y&z=1&z=2", "GET", "application/json", { "dapr-caller-app-id": "c", "content-type": "text/plain" }, "c"],
      ["", "", "DELETE", undefined, { "content-type": "text/plain", "x-empty": "" }, undefined],
      ["m", "", "POST", "text/csv", {}, undefined],
    ]);
  });

  it("passes headers larger than HTTP/1.1's usual 16 KiB both ways", async () => {
    const big = "v".repeat(40 * 1024);
    running = await start(transport, async (req) => ({ status: 200, headers: { "x-back": req.headers["x-big"]! }, body: Readable.from([]) }));
    const answer = await running.call({ ...head(), metadata: { "x-big": big } }, undefined, new AbortController().signal);
    expect(answer.status).toBe(200);
    expect(answer.headers["x-back"]).toBe(big);
  });

  it("keeps the app's content-length on an answer that has no body (a HEAD), and passes a 204", async () => {
    running = await start(transport, async (req) => ({
      status: req.verb === "HEAD" ? 200 : 204, headers: req.verb === "HEAD" ? { "content-length": "100", "x-h": "1" } : ({} as Record<string, string>), contentType: undefined,
      body: Readable.from([]),
    }));
    const headAnswer = await running.call(head("HEAD"), undefined, new AbortController().signal);
    expect(headAnswer.status).toBe(200);
    expect(headAnswer.headers).toEqual({ "content-length": "100", "x-h": "1" });
    expect((await readAll(headAnswer.body)).length).toBe(0);
    const empty = await running.call(head("DELETE"), undefined, new AbortController().signal);
    expect(empty.status).toBe(204);
    expect((await readAll(empty.body)).length).toBe(0);
  });

  it("streams large bodies both ways, in order", async () => {
    // The app answers with the request body as it reads it.
    running = await start(transport, async (req) => ({ status: 200, headers: {}, body: req.body as Readable }));
    const sent = Buffer.alloc(3 * MiB + 123);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7) & 0xff;
    async function* pieces() {
      for (let off = 0; off < sent.length; off += 100_000) yield sent.subarray(off, off + 100_000);
    }
    const answer = await running.call(head(), pieces(), new AbortController().signal);
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
    const denied = await running.call({ ...head(), method: "denied" }, undefined, new AbortController().signal);
    expect(denied.status).toBe(403);
    expect(denied.contentType).toBe("application/json");
    expect(JSON.parse(denied.body.toString()).message).toContain("not you");
    const failed = await running.call(head(), undefined, new AbortController().signal).catch((e) => e);
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
    void running.call(head(), source.body, ac.signal).catch(() => {});
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
    const answer = await running.call(head(), undefined, new AbortController().signal);
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

});

describe.each(["raw", "grpc-js"] as const)("CallLocalStream callee over %s", (transport) => {
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

describe("framed calls between dapr-ts sidecars", () => {
  const signal = () => new AbortController().signal;
  // Of known length: the answer comes back whole.
  const ok: App = async () => ({ status: 200, headers: { "content-length": "4" }, body: Readable.from([Buffer.from("fine")]) });

  it("are offered on CallLocalStream answers once the port takes them, and not before", async () => {
    running = await start("raw", ok);
    const before = await callLocalStream(running.channel, head(), undefined, signal());
    expect(before.frames).toBe(false);
    running.core.acceptsFrames = true;
    const after = await callLocalStream(running.channel, head(), undefined, signal());
    expect(after.frames).toBe(true);
    expect(FRAMES_ADVERT_HEADER.startsWith("dapr-ts-")).toBe(true);
  });

  it("reuse one connection for calls one after another, and open more for calls at once", async () => {
    running = await start("frames", ok);
    for (let i = 0; i < 5; i++) expect((await running.call(head(), Buffer.from("b"), signal())).body.toString()).toBe("fine");
    expect(running.connections.connections).toBe(1);
    expect(running.frames.idleConnections).toBe(1);
    await Promise.all([1, 2, 3].map(() => running!.call(head(), Buffer.from("b"), signal())));
    expect(running.connections.connections).toBe(3);
    expect(running.frames.idleConnections).toBe(3);
  });

  it("close a connection the callee answered before the request ended, and serve the next call on another", async () => {
    running = await start("frames", async (req) => {
      if (req.method === "deny") throw Errors.directInvokeDenied("no");
      return ok(req);
    });
    const source = endless();
    const denied = await running.call({ ...head(), method: "deny" }, source.body, signal());
    expect(denied.status).toBe(403);
    source.body.destroy();
    await until(() => running!.connections.connections === 0);
    const next = await running.call(head(), Buffer.from("b"), signal());
    expect(next.body.toString()).toBe("fine");
  });

  it("cancel the callee's call when the caller gives up, and keep serving", async () => {
    let cancelled = false;
    running = await start("frames", async (req) => {
      if (req.method !== "hang") return ok(req);
      const body = new Readable({ read() {} });
      body.once("close", () => (cancelled = true));
      return { status: 200, headers: {}, body };
    });
    const ac = new AbortController();
    const hung = await running.call({ ...head(), method: "hang" }, undefined, ac.signal);
    (hung.body as Readable).on("error", () => {});
    (hung.body as Readable).destroy();
    await until(() => cancelled);
    const late = running.call({ ...head(), method: "never-answered" }, undefined, ac.signal);
    ac.abort();
    await expect(late).rejects.toMatchObject({ code: grpc.status.CANCELLED });
    expect((await running.call(head(), Buffer.from("b"), signal())).body.toString()).toBe("fine");
  });

  it("close connections left idle: the caller's first, the callee's after longer", async () => {
    running = await start("frames", ok);
    const quick = new FramesChannel("127.0.0.1", running.port, 100);
    expect((await callLocalStream(quick, head(), undefined, signal())).body.toString()).toBe("fine");
    expect(quick.idleConnections).toBe(1);
    await until(() => quick.idleConnections === 0);
    await until(() => running!.connections.connections === 0);
    quick.close();

    // A callee that closes first: the caller's idle connection learns of it and is not used again.
    const callee = new FramesConnections((call) => serveCallLocalStream({ acceptsFrames: true, handleInboundStream: ok } as unknown as InvokeCore, call), 100);
    const server = buildInternalGrpc({});
    expect(acceptFrames(server, (socket) => callee.take(socket))).toBe(true);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const slow = new FramesChannel("127.0.0.1", port);
    try {
      expect((await callLocalStream(slow, head(), undefined, signal())).body.toString()).toBe("fine");
      await until(() => callee.connections === 0 && slow.idleConnections === 0);
      expect((await callLocalStream(slow, head(), undefined, signal())).body.toString()).toBe("fine");
    } finally {
      slow.close();
      server.forceShutdown();
      await callee.close(0);
    }
  });

  it("fail the app's request body when the caller gives up while the app has not answered", async () => {
    let appBody: Readable | undefined;
    running = await start("frames", (req) => {
      appBody = req.body as Readable;
      return new Promise<never>(() => {});
    });
    const source = endless();
    const ac = new AbortController();
    const call = running.call(head(), source.body, ac.signal).catch((e) => e);
    await until(() => appBody !== undefined);
    const failed = new Promise<Error>((resolve) => appBody!.once("error", resolve));
    ac.abort();
    expect((await failed).message).toMatch(/cancelled/);
    expect(await call).toMatchObject({ code: grpc.status.CANCELLED });
    source.body.destroy();
    await until(() => running!.connections.connections === 0);
  });

  it("fail with notFramesPeer against a port that speaks only gRPC (it served nothing)", async () => {
    const server = buildInternalGrpc({});
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const frames = new FramesChannel("127.0.0.1", port);
    try {
      const err = await callLocalStream(frames, head(), Buffer.from("b"), signal()).catch((e) => e);
      expect(err).toBeInstanceOf(FramesConnectionError);
      expect(err.notFramesPeer).toBe(true);
      expect(err.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      frames.close();
      server.forceShutdown();
    }
  });

  it("fail UNAVAILABLE when nothing listens, and INTERNAL when the callee goes mid-answer", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const nobody = new FramesChannel("127.0.0.1", port);
    const refused = await callLocalStream(nobody, head(), undefined, signal()).catch((e) => e);
    nobody.close();
    expect(refused).toMatchObject({ code: grpc.status.UNAVAILABLE, notFramesPeer: false });

    const source = endless();
    running = await start("frames", () => ({ status: 200, headers: {}, body: source.body }));
    const answer = await running.call(head(), undefined, signal());
    const body = answer.body as Readable;
    const failed = new Promise<Error>((resolve) => body.once("error", resolve));
    body.resume();
    void running.connections.close(0);
    expect((await failed).message).toMatch(/connection closed before the answer ended/);
  });

  it("drop a connection that sends anything but frames, and keep serving others", async () => {
    running = await start("frames", ok);
    for (const bytes of [
      Buffer.from("dapr-ts frames/1\n\x07\0\0\0\0"), // an unknown flag
      Buffer.from("dapr-ts frames/1\n\x80\0\0\0\0"), // an END with no call
      Buffer.from("dapr-ts frames/2\n"), // another version
      Buffer.concat([Buffer.from("dapr-ts frames/1\n"), Buffer.from([0, 0, 0, 0, 3, 0xff, 0xff, 0xff])]), // no request message
    ]) {
      const got = await new Promise<string>((resolve) => {
        const s = net.connect(running!.port, "127.0.0.1", () => s.write(bytes));
        let data = "";
        s.on("data", (d) => (data += d.toString("latin1")));
        s.on("error", () => {});
        s.on("close", () => resolve(data));
        setTimeout(() => s.end(Buffer.from([0x80, 0, 0, 0, 0])), 50);
      });
      // The preface, then (for a request it cannot read) the call's INTERNAL status; never an answer.
      expect(got.startsWith("dapr-ts frames/1\n")).toBe(true);
      expect(got).not.toContain("fine");
    }
    expect((await running.call(head(), Buffer.from("b"), signal())).body.toString()).toBe("fine");
  });

  it("close idle connections at once on shutdown, let a busy one finish its answer, and cut what is left after the grace period", async () => {
    let release: (() => void) | undefined;
    const app: App = async (req) => {
      if (req.method === "slow") await new Promise<void>((r) => (release = r));
      if (req.method === "never") await new Promise<never>(() => {});
      return ok(req);
    };
    running = await start("frames", app);
    const idle = new FramesChannel("127.0.0.1", running.port);
    expect((await callLocalStream(idle, head(), undefined, signal())).body.toString()).toBe("fine");
    const slow = running.call({ ...head(), method: "slow" }, undefined, signal());
    await until(() => release !== undefined);
    expect(running.connections.connections).toBe(2);
    const closed = running.connections.close(5_000);
    await until(() => running!.connections.connections === 1); // the idle one went at once
    release!();
    expect((await slow).body.toString()).toBe("fine");
    await closed; // ...and the busy one after its answer, well before the grace period
    idle.close();

    running.close();
    running = await start("frames", app);
    const hung = running.call({ ...head(), method: "never" }, undefined, signal()).catch((e: Error) => e);
    await until(() => running!.connections.connections === 1);
    const started = Date.now();
    await running.connections.close(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await hung).toBeInstanceOf(FramesConnectionError);
  });
});
