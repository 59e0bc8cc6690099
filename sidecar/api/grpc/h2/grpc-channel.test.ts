import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H2GrpcChannel } from "./grpc-channel.js";
import { FrameReader, frameMessage } from "./grpc-frames.js";
import { GrpcStatusError } from "./grpc-status.js";

// A grpc-js server with raw-bytes methods: the channel must interoperate with the real thing.
const id = (b: Buffer) => b;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/t.Test/${name}`, requestStream, responseStream,
  requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id,
});
const service = {
  Echo: method("Echo", false, false),
  Fail: method("Fail", false, false),
  Slow: method("Slow", false, false),
  Many: method("Many", false, true),
  Pipe: method("Pipe", true, true),
  Peer: method("Peer", false, false),
};

let server: grpc.Server;
let port: number;
const slowCancelled: boolean[] = [];

async function startServer(onPort = 0): Promise<number> {
  server = new grpc.Server();
  server.addService(service, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const md = new grpc.Metadata();
      md.set("x-seen", String(call.metadata.get("x-test")[0] ?? ""));
      call.sendMetadata(md);
      cb(null, call.request);
    },
    Fail: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => {
      const md = new grpc.Metadata();
      md.set("x-reason", "because");
      cb({ code: grpc.status.FAILED_PRECONDITION, details: "no way: 100% sure", metadata: md });
    },
    Slow: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const t = setTimeout(() => cb(null, Buffer.from("late")), 2000);
      call.on("cancelled", () => {
        clearTimeout(t);
        slowCancelled.push(true);
      });
    },
    Many: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      const n = call.request.readUInt32BE(0);
      for (let i = 0; i < n; i++) {
        const b = Buffer.alloc(1000, i % 251);
        b.writeUInt32BE(i, 0);
        call.write(b);
      }
      call.end();
    },
    Peer: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(call.getPeer())),
    Pipe: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on("data", (d: Buffer) => call.write(d));
      call.on("end", () => call.end());
    },
  });
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${onPort}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
}

beforeAll(async () => {
  port = await startServer();
});
afterAll(() => server.forceShutdown());

async function rejection(p: Promise<unknown>): Promise<GrpcStatusError> {
  try {
    await p;
  } catch (err) {
    return err as GrpcStatusError;
  }
  throw new Error("expected the call to fail");
}

describe("FrameReader", () => {
  it("reads messages split across chunks and several in one chunk", () => {
    const a = frameMessage(Buffer.from("hello"));
    const b = frameMessage(Buffer.alloc(0));
    const c = frameMessage(Buffer.alloc(70_000, 7));
    const all = Buffer.concat([a, b, c]);
    const r = new FrameReader();
    const got: Buffer[] = [];
    for (let off = 0; off < all.length; off += 3) got.push(...r.push(all.subarray(off, off + 3)));
    expect(got.map((m) => m.length)).toEqual([5, 0, 70_000]);
    expect(got[0]!.toString()).toBe("hello");
    expect(r.midMessage).toBe(false);
    expect(new FrameReader().push(Buffer.concat([a, b]))).toHaveLength(2);
  });

  it("rejects compressed frames and messages over the limit", () => {
    const compressed = frameMessage(Buffer.from("x"));
    compressed[0] = 1;
    expect(() => new FrameReader().push(compressed)).toThrow(/compression/);
    expect(() => new FrameReader(10).push(frameMessage(Buffer.alloc(11)))).toThrow(/exceeds/);
  });
});

describe("H2GrpcChannel against a grpc-js server", () => {
  it("makes unary calls with metadata, many at once on one connection", async () => {
    const ch = new H2GrpcChannel(`127.0.0.1:${port}`);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => ch.unary("/t.Test/Echo", Buffer.from(`m${i}`), { metadata: { "x-test": "yes" } })));
    expect(answers.map((a) => a.toString())).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    ch.close();
  });

  it("opens a fresh connection once a connection has carried its share of streams", async () => {
    const ch = new H2GrpcChannel(`127.0.0.1:${port}`, undefined, 3);
    const peers: string[] = [];
    for (let i = 0; i < 7; i++) peers.push((await ch.unary("/t.Test/Peer", Buffer.alloc(0))).toString());
    ch.close();
    // The server sees each connection from its own client port: three calls per connection.
    expect(peers[0]).toBe(peers[2]);
    expect(peers[3]).not.toBe(peers[2]);
    expect(peers[3]).toBe(peers[5]);
    expect(peers[6]).not.toBe(peers[5]);
  });

  it("passes a server's error status, details and trailing metadata on as grpc-js does", async () => {
    const ch = new H2GrpcChannel(`127.0.0.1:${port}`);
    const err = await rejection(ch.unary("/t.Test/Fail", Buffer.from("x")));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toBe("no way: 100% sure");
    expect(err.message).toBe("9 FAILED_PRECONDITION: no way: 100% sure");
    expect(err.metadata.get("x-reason")).toEqual(["because"]);
    const unknown = await rejection(ch.unary("/t.Test/Nope", Buffer.from("x")));
    expect(unknown.code).toBe(grpc.status.UNIMPLEMENTED);
    ch.close();
  });

  it("enforces a deadline and cancels on abort, and the server sees the cancellation", async () => {
    const ch = new H2GrpcChannel(`127.0.0.1:${port}`);
    const t0 = Date.now();
    const late = await rejection(ch.unary("/t.Test/Slow", Buffer.from("x"), { deadline: Date.now() + 100 }));
    expect(late.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - t0).toBeLessThan(1500);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const cancelled = await rejection(ch.unary("/t.Test/Slow", Buffer.from("x"), { signal: ac.signal }));
    expect(cancelled.code).toBe(grpc.status.CANCELLED);
    await expect.poll(() => slowCancelled.length, { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    ch.close();
  });

  it("reads a long server stream in order while the reader is slower than the server", async () => {
    const ch = new H2GrpcChannel(`127.0.0.1:${port}`);
    const n = Buffer.alloc(4);
    n.writeUInt32BE(3000);
    const call = ch.start("/t.Test/Many");
    call.end(n);
    let i = 0;
    for (let m = await call.next(); m; m = await call.next()) {
      expect(m.readUInt32BE(0)).toBe(i++);
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(i).toBe(3000);
    ch.close();
  });

  it("streams both ways, including messages larger than the HTTP/2 window", async () => {
    const ch = new H2GrpcChannel(`127.0.0.1:${port}`);
    const call = ch.start("/t.Test/Pipe");
    const sent = [Buffer.alloc(10, 1), Buffer.alloc(3 * 1024 * 1024, 2), Buffer.alloc(0)];
    for (const m of sent) await call.send(m);
    call.end();
    const got: Buffer[] = [];
    for (let m = await call.next(); m; m = await call.next()) got.push(m);
    expect(got.map((m) => m.length)).toEqual(sent.map((m) => m.length));
    expect(got[1]!.equals(sent[1]!)).toBe(true);
    ch.close();
  });

  it("answers UNAVAILABLE when nobody listens, and reconnects once the server is back", async () => {
    const original = server;
    const lonely = await startServer();
    const ch = new H2GrpcChannel(`127.0.0.1:${lonely}`);
    expect((await ch.unary("/t.Test/Echo", Buffer.from("a"))).toString()).toBe("a");
    // The server goes away: its connection dies with it.
    server.forceShutdown();
    const down = await rejection(ch.unary("/t.Test/Echo", Buffer.from("b")));
    expect(down.code).toBe(grpc.status.UNAVAILABLE);
    // Back on the same port: the next call opens a new connection.
    await startServer(lonely);
    expect((await ch.unary("/t.Test/Echo", Buffer.from("c"))).toString()).toBe("c");
    ch.close();
    server.forceShutdown();
    server = original;
  });
});
