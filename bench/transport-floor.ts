// The transport floor of the state and lock benches: the same load clients
// (16 HTTP/2 connections with grpc-js, 16 HTTP/1.1 connections with undici)
// against servers that do nothing, in a child process as the sidecar is. What
// a request costs there is Node's own gRPC / HTTP round trip on this machine,
// which any Node sidecar pays before doing any work; the rest of the latency
// the sidecar adds is its own.
import * as grpc from "@grpc/grpc-js";
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { grpcConnections } from "./grpc-connections.js";
import { daprService } from "../sidecar/api/grpc/protos.js";

const identity = (b: Buffer) => b;
const EMPTY = Buffer.alloc(0);
// A unary method whose messages are raw bytes: no protobuf work on either side.
const floorService: grpc.ServiceDefinition = {
  Empty: {
    path: "/bench.TransportFloor/Empty",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface TransportFloor {
  /**
   * Its gRPC port, which also serves the Dapr service with a PublishEvent that
   * does nothing (requests decoded, an empty answer), for clients of the Dapr API.
   */
  grpcPort: number;
  /** One gRPC round trip: empty request, empty response. */
  grpc(): Promise<void>;
  /** One HTTP/1.1 GET answered 200 with an empty body. */
  http(): Promise<void>;
  close(): Promise<void>;
}

export async function startTransportFloor(connections: number): Promise<TransportFloor> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["serve-transport-floor"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const ports = await new Promise<{ grpc: number; http: number }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { grpc: number; http: number }));
    child.once("exit", (code) => reject(new Error(`transport floor server exited (${code}) before listening`)));
  });
  const Client = grpc.makeGenericClientConstructor(floorService, "TransportFloor");
  const clients = grpcConnections((a, c, o) => new Client(a, c, o) as grpc.Client & Record<string, any>, `127.0.0.1:${ports.grpc}`, connections);
  const agent = new Agent({ connections, pipelining: 1 });
  const url = `http://127.0.0.1:${ports.http}/`;
  return {
    grpcPort: ports.grpc,
    grpc: () => new Promise<void>((resolve, reject) => {
      clients.next()["Empty"](EMPTY, (err: grpc.ServiceError | null) => (err ? reject(err) : resolve()));
    }),
    http: async () => {
      const r = await request(url, { dispatcher: agent });
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`transport floor HTTP answered ${r.statusCode}`);
    },
    async close() {
      clients.close();
      await agent.close();
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function serve(): Promise<void> {
  const server = new grpc.Server();
  server.addService(floorService, { Empty: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, EMPTY) });
  server.addService(daprService(), { PublishEvent: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}) } as grpc.UntypedServiceImplementation);
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const httpServer = http.createServer((req, res) => {
    req.resume();
    res.end();
  });
  httpServer.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  const addr = httpServer.address();
  if (!addr || typeof addr === "string") throw new Error("transport floor: no HTTP port");
  process.send!({ grpc: grpcPort, http: addr.port });
  // The parent going away (even killed) closes the IPC channel: do not outlive it.
  process.on("disconnect", () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "serve-transport-floor") {
  serve().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
