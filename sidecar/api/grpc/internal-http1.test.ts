import net from "node:net";
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { Pool } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { acceptHttp1, type Http1Connections, type Http1Handler } from "./internal-http1.js";

interface Running {
  port: number;
  http1: Http1Connections;
  server: grpc.Server;
}

let running: Running | undefined;
afterEach(async () => {
  running?.server.forceShutdown();
  await running?.http1.close(0);
  running = undefined;
});

/** A grpc-js server with one unary method (echoing its request bytes), taking HTTP/1.1 beside it. */
async function start(handler: Http1Handler): Promise<Running> {
  const server = new grpc.Server();
  const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
  server.addService(
    { Echo: { path: "/t.T/Echo", requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize } },
    { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) },
  );
  const http1 = acceptHttp1(server, handler);
  expect(http1).toBeDefined();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  running = { port, http1: http1!, server };
  return running;
}

function grpcEcho(port: number, message: string): Promise<string> {
  const Client = grpc.makeGenericClientConstructor({
    Echo: { path: "/t.T/Echo", requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b },
  }, "T");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Echo: Function };
  return new Promise((resolve, reject) =>
    client.Echo(Buffer.from(message), (err: Error | null, res: Buffer) => {
      client.close();
      if (err) reject(err);
      else resolve(res.toString());
    }),
  );
}

const echoBody: Http1Handler = (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).length}`));
};

/** Sends `parts` one write at a time (pausing between them), returns what came back once the peer closes or `until` matches. */
function rawExchange(port: number, parts: Buffer[], until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let got = "";
    socket.on("data", (d) => {
      got += d.toString("latin1");
      if (until.test(got)) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
    void (async () => {
      for (const p of parts) {
        socket.write(p);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  });
}

describe("the internal port takes HTTP/1.1 beside gRPC", () => {
  it("serves gRPC and HTTP/1.1 on the same port, on connections of either kind at once", async () => {
    const { port } = await start(echoBody);
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 4 });
    try {
      const [a, b, c, d] = await Promise.all([
        grpcEcho(port, "one"),
        pool.request({ method: "POST", path: "/x?y=1", body: Buffer.alloc(300_000) }).then((r) => r.body.text()),
        grpcEcho(port, "two"),
        pool.request({ method: "PUT", path: "/z", body: "abc" }).then((r) => r.body.text()),
      ]);
      expect([a, b, c, d]).toEqual(["one", "POST /x?y=1 300000", "two", "PUT /z 3"]);
      expect(running!.http1.connections).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it("tells the two apart when the first bytes come one at a time", async () => {
    const { port } = await start(echoBody);
    const request = Buffer.from("POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi");
    const h1 = await rawExchange(port, [...request.subarray(0, 5)].map((b) => Buffer.from([b])).concat(request.subarray(5)), /POST \/slow 2/);
    expect(h1).toMatch(/^HTTP\/1\.1 200/);
    expect(h1).toContain("POST /slow 2");
    // An HTTP/2 preface split the same way still reaches the gRPC server: it answers with its SETTINGS frame.
    const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    const h2 = await rawExchange(port, [...preface.subarray(0, 5)].map((b) => Buffer.from([b])).concat(preface.subarray(5), settings), /[\s\S]{9}/);
    expect(h2.charCodeAt(3)).toBe(4); // frame type SETTINGS
    expect(await grpcEcho(port, "still")).toBe("still");
  });

  it("survives connections that reset or close before sending anything", async () => {
    const { port } = await start(echoBody);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => {
          if (i % 2) s.resetAndDestroy();
          else s.end();
        });
        s.on("error", () => {});
        s.on("close", () => resolve());
      });
    }
    expect(await grpcEcho(port, "alive")).toBe("alive");
  });

  it("holds back a request body nobody reads (the sender stalls), as HTTP/2 flow control does", async () => {
    const { port } = await start(() => {
      // Never reads, never answers.
    });
    let pulled = 0;
    const chunk = Buffer.alloc(64 * 1024, 1);
    const body = new Readable({
      read() {
        pulled += chunk.length;
        this.push(chunk);
      },
    });
    const pool = new Pool(`http://127.0.0.1:${port}`);
    pool.request({ method: "POST", path: "/x", body }).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    const first = pulled;
    await new Promise((r) => setTimeout(r, 300));
    // Socket buffers' worth, then nothing more.
    expect(first).toBeLessThan(32 * 1024 * 1024);
    expect(pulled).toBeLessThanOrEqual(first + 2 * chunk.length);
    await pool.destroy();
  });

  it("closes idle connections at once on close, lets a busy one finish its answer, and cuts what is left after the grace period", async () => {
    let release: (() => void) | undefined;
    const { port, http1 } = await start((req, res) => {
      req.resume();
      if (req.url === "/slow") release = () => res.end("done");
      else if (req.url === "/never") return;
      else res.end("quick");
    });
    const idle = new Pool(`http://127.0.0.1:${port}`);
    const busy = new Pool(`http://127.0.0.1:${port}`);
    expect(await (await idle.request({ method: "GET", path: "/q" })).body.text()).toBe("quick");
    const slow = busy.request({ method: "GET", path: "/slow" });
    await until(() => release !== undefined);
    expect(http1.connections).toBe(2);
    const closed = http1.close(5_000);
    await until(() => http1.connections === 1); // the idle one went at once
    release!();
    expect(await (await slow).body.text()).toBe("done");
    await closed; // ...and the busy one after its answer, well before the grace period
    await idle.destroy();
    await busy.destroy();
  });

  it("cuts a connection still busy when the grace period ends", async () => {
    const { port, http1 } = await start((req) => req.resume());
    const pool = new Pool(`http://127.0.0.1:${port}`);
    const hung = pool.request({ method: "GET", path: "/never" }).catch((e: Error) => e);
    await until(() => http1.connections === 1);
    const started = Date.now();
    await http1.close(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await hung).toBeInstanceOf(Error);
    await pool.destroy();
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}
