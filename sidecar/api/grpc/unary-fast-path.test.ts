import * as grpc from "@grpc/grpc-js";
import http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { FrameReader, frameMessage } from "./h2/grpc-frames.js";
import { FastUnaryCall, GRPC_RESPONSE_HEADERS, rawHandlerOf, serveUnaryFast, withRawHandler, type RawStreamHandler } from "./unary-fast-path.js";

// Messages are JSON (so a malformed request is easy to send); the handlers record the call object they got.
const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()),
};
const method = (name: string, stream: boolean) => ({
  path: `/test.Fast/${name}`, requestStream: stream, responseStream: stream,
  requestSerialize: json.serialize, requestDeserialize: json.deserialize,
  responseSerialize: json.serialize, responseDeserialize: json.deserialize,
});
const service = {
  Echo: method("Echo", false),
  Fail: method("Fail", false),
  Slow: method("Slow", false),
  Meta: method("Meta", false),
  Chat: method("Chat", true),
};

interface Running {
  client: grpc.Client & Record<string, any>;
  port: number;
  calls: unknown[];
  cancelled: string[];
  close(): void;
}

let running: Running | undefined;
afterEach(() => {
  running?.close();
  running = undefined;
});

async function start(limits = { maxReceive: 1024, maxSend: 1024 }, fast = true, rawStreams?: Record<string, RawStreamHandler>): Promise<Running> {
  const server = new grpc.Server();
  const calls: unknown[] = [];
  const cancelled: string[] = [];
  server.addService(service, {
    Echo: (call: any, cb: grpc.sendUnaryData<unknown>) => {
      calls.push(call);
      cb(null, { echo: call.request, token: call.metadata.get("x-token")[0] ?? null, timeout: call.metadata.get("grpc-timeout").length, path: call.getPath() });
    },
    Fail: (call: any, cb: grpc.sendUnaryData<unknown>) => {
      calls.push(call);
      const md = new grpc.Metadata();
      md.set("x-why", "because");
      cb({ code: grpc.status.FAILED_PRECONDITION, details: "no: 100% sure", metadata: md } as grpc.ServiceError);
    },
    Slow: (call: any, cb: grpc.sendUnaryData<unknown>) => {
      calls.push(call);
      call.on("cancelled", () => cancelled.push(call.getPath()));
      setTimeout(() => cb(null, { late: true }), 300);
    },
    Meta: (call: any, cb: grpc.sendUnaryData<unknown>) => {
      calls.push(call);
      const head = new grpc.Metadata();
      head.set("x-head", "h");
      call.sendMetadata(head);
      const trailer = new grpc.Metadata();
      trailer.set("x-trail", "t");
      cb(null, { ok: true }, trailer);
    },
    Chat: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      calls.push(call);
      call.on("data", (d) => call.write({ got: d }));
      call.on("end", () => call.end());
    },
  });
  if (fast) expect(serveUnaryFast(server, limits, rawStreams)).toBe(true);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const Client = grpc.makeGenericClientConstructor(service, "Fast");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Running["client"];
  return { client, port, calls, cancelled, close: () => { client.close(); server.forceShutdown(); } };
}

function unary(client: Running["client"], name: string, req: unknown, md = new grpc.Metadata(), options: grpc.CallOptions = {}) {
  return new Promise<{ err: grpc.ServiceError | null; res: any; headers?: grpc.Metadata; status?: grpc.StatusObject }>((resolve) => {
    let headers: grpc.Metadata | undefined;
    let result: { err: grpc.ServiceError | null; res: any } | undefined;
    let status: grpc.StatusObject | undefined;
    const done = () => result && status && resolve({ ...result, headers, status });
    const call = client[name](req, md, options, (err: grpc.ServiceError | null, res: unknown) => {
      result = { err, res };
      done();
    });
    call.on("metadata", (m: grpc.Metadata) => (headers = m));
    call.on("status", (s: grpc.StatusObject) => {
      status = s;
      done();
    });
  });
}

describe("unary calls on the fast path", () => {
  it("serve a unary method with the handler grpc-js would call, on the fast call object", async () => {
    running = await start();
    const md = new grpc.Metadata();
    md.set("x-token", "abc");
    const { err, res } = await unary(running.client, "Echo", { a: 1 }, md, { deadline: Date.now() + 5_000 });
    expect(err).toBeNull();
    // Request metadata as grpc-js gives it: custom keys kept, transport headers (grpc-timeout) removed.
    expect(res).toEqual({ echo: { a: 1 }, token: "abc", timeout: 0, path: "/test.Fast/Echo" });
    expect(running.calls[0]).toBeInstanceOf(FastUnaryCall);
    expect((running.calls[0] as FastUnaryCall).getDeadline()).toBeGreaterThan(Date.now());
  });

  it("answer a handler's error with its code, details and metadata", async () => {
    running = await start();
    const { err } = await unary(running.client, "Fail", {});
    expect(err?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err?.details).toBe("no: 100% sure");
    expect(err?.metadata.get("x-why")).toEqual(["because"]);
  });

  it("send response headers and trailing metadata set by the handler", async () => {
    running = await start();
    const { err, res, headers, status } = await unary(running.client, "Meta", {});
    expect(err).toBeNull();
    expect(res).toEqual({ ok: true });
    expect(headers?.get("x-head")).toEqual(["h"]);
    expect(status?.metadata.get("x-trail")).toEqual(["t"]);
  });

  it("answer DEADLINE_EXCEEDED when the caller's deadline passes, and tell the handler", async () => {
    running = await start();
    const { err } = await unary(running.client, "Slow", {}, new grpc.Metadata(), { deadline: Date.now() + 50 });
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await new Promise((r) => setTimeout(r, 100));
    expect(running.cancelled).toEqual(["/test.Fast/Slow"]);
  });

  it("tell the handler when the caller cancels", async () => {
    running = await start();
    const call = running.client["Slow"]({}, () => {});
    await new Promise((r) => setTimeout(r, 50));
    call.cancel();
    await new Promise((r) => setTimeout(r, 100));
    expect(running.cancelled).toEqual(["/test.Fast/Slow"]);
  });

  it("answer INTERNAL to a request that does not deserialize, and keep serving", async () => {
    running = await start();
    const session = http2.connect(`http://127.0.0.1:${running.port}`);
    try {
      const garbage = Buffer.from("{not json");
      const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, garbage.length]), garbage]);
      const trailers = await rawCall(session, "/test.Fast/Echo", frame);
      expect(trailers["grpc-status"]).toBe(String(grpc.status.INTERNAL));
      expect(decodeURI(String(trailers["grpc-message"]))).toBe("Error deserializing request");
      // Two messages on a unary method, and none at all: refused as grpc-js refuses them.
      const one = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from("{}")]);
      expect((await rawCall(session, "/test.Fast/Echo", Buffer.concat([one, one])))["grpc-status"]).toBe(String(grpc.status.UNIMPLEMENTED));
      expect((await rawCall(session, "/test.Fast/Echo", Buffer.alloc(0)))["grpc-status"]).toBe(String(grpc.status.UNIMPLEMENTED));
      expect((await rawCall(session, "/test.Fast/Echo", Buffer.from([0, 0, 0])))["grpc-status"]).toBe(String(grpc.status.INTERNAL));
    } finally {
      session.close();
    }
    expect((await unary(running.client, "Echo", "still here")).res.echo).toBe("still here");
  });

  it("refuse a request larger than the receive limit with RESOURCE_EXHAUSTED", async () => {
    running = await start({ maxReceive: 64, maxSend: 1024 });
    const { err } = await unary(running.client, "Echo", "x".repeat(200));
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it("refuse a response larger than the send limit with RESOURCE_EXHAUSTED", async () => {
    running = await start({ maxReceive: 1024, maxSend: 64 });
    const { err } = await unary(running.client, "Echo", "x".repeat(100));
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it("leave streaming methods, compressed requests and unknown methods to grpc-js", async () => {
    running = await start();
    const chat = running.client["Chat"]() as grpc.ClientDuplexStream<unknown, unknown>;
    const got: unknown[] = [];
    chat.on("data", (d) => got.push(d));
    chat.write("hi");
    chat.end();
    await new Promise((r) => chat.on("status", r));
    expect(got).toEqual([{ got: "hi" }]);
    expect(running.calls[0]).not.toBeInstanceOf(FastUnaryCall);

    const Client = grpc.makeGenericClientConstructor(service, "Fast");
    const gzip = new Client(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 }) as Running["client"];
    try {
      const { err, res } = await unary(gzip, "Echo", "zipped");
      expect(err).toBeNull();
      expect(res.echo).toBe("zipped");
      expect(running.calls[1]).not.toBeInstanceOf(FastUnaryCall);
    } finally {
      gzip.close();
    }

    const session = http2.connect(`http://127.0.0.1:${running.port}`);
    try {
      expect((await rawCall(session, "/test.Fast/Nope", Buffer.alloc(0)))["grpc-status"]).toBe(String(grpc.status.UNIMPLEMENTED));
    } finally {
      session.close();
    }
  });
});

/** A raw handler for Chat: answers each JSON message with {raw: message}, then OK trailers. */
function rawChat(seen: http2.IncomingHttpHeaders[]): RawStreamHandler {
  return (stream, headers) => {
    seen.push(headers);
    const frames = new FrameReader();
    stream.respond(GRPC_RESPONSE_HEADERS, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": "OK" }));
    stream.on("data", (chunk: Buffer) => {
      for (const m of frames.push(chunk)) stream.write(frameMessage(json.serialize({ raw: json.deserialize(m) })));
    });
    stream.on("end", () => stream.end());
  };
}

async function chat(client: Running["client"], messages: unknown[]): Promise<{ got: unknown[]; status: grpc.StatusObject }> {
  const call = client["Chat"]() as grpc.ClientDuplexStream<unknown, unknown>;
  const got: unknown[] = [];
  call.on("data", (d) => got.push(d));
  call.on("error", () => {});
  for (const m of messages) call.write(m);
  call.end();
  const status = await new Promise<grpc.StatusObject>((r) => call.on("status", r));
  return { got, status };
}

describe("raw stream handlers", () => {
  it("serve their path before grpc-js's registration of the same method", async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    running = await start(undefined, true, { "/test.Fast/Chat": rawChat(seen) });
    const { got, status } = await chat(running.client, ["a", "b"]);
    expect(status.code).toBe(grpc.status.OK);
    expect(got).toEqual([{ raw: "a" }, { raw: "b" }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]![":path"]).toBe("/test.Fast/Chat");
    expect(running.calls).toHaveLength(0); // grpc-js's handler was not called
    // Other methods are served as before.
    expect((await unary(running.client, "Echo", 1)).res.echo).toBe(1);
  });

  it("leave compressed requests to grpc-js's registration", async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    running = await start(undefined, true, { "/test.Fast/Chat": rawChat(seen) });
    const Client = grpc.makeGenericClientConstructor(service, "Fast");
    const gzip = new Client(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 }) as Running["client"];
    try {
      const { got } = await chat(gzip, ["zipped"]);
      expect(got).toEqual([{ got: "zipped" }]);
      expect(seen).toHaveLength(0);
      expect(running.calls).toHaveLength(1);
    } finally {
      gzip.close();
    }
  });

  it("answer INTERNAL for a raw handler that throws, and keep serving", async () => {
    running = await start(undefined, true, { "/test.Fast/Chat": () => { throw new Error("broken handler"); } });
    const { status } = await chat(running.client, ["a"]);
    expect(status.code).toBe(grpc.status.INTERNAL);
    expect(status.details).toBe("broken handler");
    expect((await unary(running.client, "Echo", 2)).res.echo).toBe(2);
  });

  it("travel pinned to a grpc-js handler", () => {
    const raw: RawStreamHandler = () => {};
    const handler = withRawHandler(() => {}, raw);
    expect(rawHandlerOf(handler)).toBe(raw);
    expect(rawHandlerOf(() => {})).toBeUndefined();
    expect(rawHandlerOf(undefined)).toBeUndefined();
  });
});

/** One call with hand-made bytes; resolves with the status headers (trailers, or a trailers-only answer). */
function rawCall(session: http2.ClientHttp2Session, path: string, body: Buffer): Promise<http2.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    let headers: http2.IncomingHttpHeaders = {};
    req.on("response", (h) => (headers = h));
    req.on("trailers", (t) => (headers = { ...headers, ...t }));
    req.on("data", () => {});
    req.on("end", () => resolve(headers));
    req.on("error", reject);
    req.end(body);
  });
}
