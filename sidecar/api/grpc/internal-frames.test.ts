import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { acceptFrames } from "./internal-frames.js";

interface Running {
  port: number;
  server: grpc.Server;
  /** Framed connections handed over. */
  taken: number;
  sockets: net.Socket[];
}

let running: Running | undefined;
afterEach(() => {
  running?.server.forceShutdown();
  for (const s of running?.sockets ?? []) s.destroy();
  running = undefined;
});

/** A grpc-js server with one unary method (echoing its request bytes), handing framed connections to an echo. */
async function start(): Promise<Running> {
  const server = new grpc.Server();
  const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
  server.addService(
    { Echo: { path: "/t.T/Echo", requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize } },
    { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) },
  );
  const sockets: net.Socket[] = [];
  // Echoes what the connection sends, its first bytes included (the sniffer puts them back).
  expect(acceptFrames(server, (socket) => {
    r.taken++;
    sockets.push(socket);
    socket.on("data", (d) => socket.write(d));
    socket.resume();
  })).toBe(true);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const r: Running = { port, server, taken: 0, sockets };
  running = r;
  return r;
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

describe("the internal port takes framed connections beside gRPC", () => {
  it("serves gRPC and framed connections on the same port at once, the framed ones from their first byte", async () => {
    const { port } = await start();
    const [a, b, c, d] = await Promise.all([
      grpcEcho(port, "one"),
      rawExchange(port, [Buffer.from("dapr-ts frames/1\nhello")], /hello$/),
      grpcEcho(port, "two"),
      rawExchange(port, [Buffer.from("dapr-ts frames/1\nworld")], /world$/),
    ]);
    expect([a, b, c, d]).toEqual(["one", "dapr-ts frames/1\nhello", "two", "dapr-ts frames/1\nworld"]);
    expect(running!.taken).toBe(2);
  });

  it("tells the two apart when the first bytes come one at a time", async () => {
    const { port } = await start();
    const framed = Buffer.from("dapr-ts frames/1\nslow");
    const got = await rawExchange(port, [...framed.subarray(0, 5)].map((b) => Buffer.from([b])).concat(framed.subarray(5)), /slow$/);
    expect(got).toBe("dapr-ts frames/1\nslow");
    // An HTTP/2 preface split the same way still reaches the gRPC server: it answers with its SETTINGS frame.
    const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    const h2 = await rawExchange(port, [...preface.subarray(0, 5)].map((b) => Buffer.from([b])).concat(preface.subarray(5), settings), /[\s\S]{9}/);
    expect(h2.charCodeAt(3)).toBe(4); // frame type SETTINGS
    expect(await grpcEcho(port, "still")).toBe("still");
  });

  it("hands anything else to the gRPC server, which closes it, and keeps serving", async () => {
    const { port } = await start();
    await rawExchange(port, [Buffer.from("GET / HTTP/1.1\r\nhost: x\r\n\r\n")], /$^/);
    await rawExchange(port, [Buffer.from("dap!")], /$^/);
    expect(running!.taken).toBe(0);
    expect(await grpcEcho(port, "alive")).toBe("alive");
  });

  it("survives connections that reset or close before sending anything", async () => {
    const { port } = await start();
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
});
