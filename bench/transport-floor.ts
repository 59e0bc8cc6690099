// The floors of the state and lock benches: the same load clients as they
// drive the sidecar with (grpc-js, each client on its own HTTP/2 connection;
// undici with HTTP/1.1 connections) against bench/floor-server.ts, a child
// process as the sidecar is one.
//  - The no-op floor: servers that answer at once with nothing. Node's own
//    gRPC / HTTP round trip between two processes, which any Node sidecar pays
//    before doing any work.
//  - The proxy floor (when given Redis): the smallest Node proxy in front of
//    Redis, doing the same Redis commands as the bench's direct side with
//    ioredis. A hop that itself awaits Redis costs more than the no-op round
//    trip plus the Redis call (on the bench machine, sequential undici GETs:
//    no-op server p50 0.25 ms, a server awaiting one ioredis GET 0.53 ms,
//    that GET alone 0.10 ms), so the no-op floor understates what any Node
//    proxy adds; the sidecar's own share is what it adds over this floor.
import * as grpc from "@grpc/grpc-js";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { forkServer } from "./child-server.js";
import { grpcConnections } from "./grpc-connections.js";
import { floorService, SERVE_ARG } from "./floor-server.js";

/** The minimal Node proxy over one transport: each call is one request to the child, which makes the Redis call. */
export interface NodeProxy {
  /** GET: the value's bytes; rejects when the key is missing. */
  get(key: string): Promise<Buffer>;
  /** SET key owner NX PX ms: whether the lock was acquired. */
  lock(key: string, owner: string, ms: number): Promise<boolean>;
  /** The compare-and-delete release (LOCK_RELEASE_LUA): 1 released, -1 no such lock, -2 someone else's. */
  unlock(key: string, owner: string): Promise<number>;
}

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
  /** The minimal Node proxy, when started with a Redis address. */
  proxy?: { grpc: NodeProxy; http: NodeProxy };
  close(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

export interface FloorOptions {
  /** Redis for the proxy floor to talk to; without it there is no proxy floor. */
  redis?: { host: string; port: number };
}

export async function startTransportFloor(connections: number, o: FloorOptions = {}): Promise<TransportFloor> {
  // floor-server.js beside this file in dist/bench, floor-server.ts under tsx.
  const serverPath = fileURLToPath(new URL(`./floor-server${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const args = [SERVE_ARG, ...(o.redis ? [`${o.redis.host}:${o.redis.port}`] : [])];
  const server = await forkServer<{ grpc: number; http: number }>(serverPath, args);
  const ports = server.info;
  const Client = grpc.makeGenericClientConstructor(floorService, "Floor");
  const clients = grpcConnections((a, c, opts) => new Client(a, c, opts) as grpc.Client & Record<string, any>, `127.0.0.1:${ports.grpc}`, connections);
  const agent = new Agent({ connections, pipelining: 1 });
  const base = `http://127.0.0.1:${ports.http}`;

  const call = (method: string, req: Buffer) => new Promise<Buffer>((resolve, reject) => {
    clients.next()[method](req, (err: grpc.ServiceError | null, res: Buffer) => (err ? reject(err) : resolve(res)));
  });
  const httpBody = async (path: string, body?: string) => {
    const r = await request(base + path, body === undefined ? { dispatcher: agent } : { method: "POST", body, dispatcher: agent });
    const bytes = Buffer.from(await r.body.arrayBuffer());
    if (r.statusCode !== 200) throw new Error(`floor HTTP ${path} answered ${r.statusCode}: ${bytes.toString()}`);
    return bytes;
  };
  const viaGrpc: NodeProxy = {
    get: (key) => call("Get", Buffer.from(key)),
    lock: async (key, owner, ms) => (await call("Lock", Buffer.from(`${key} ${owner} ${ms}`))).toString() === "1",
    unlock: async (key, owner) => Number((await call("Unlock", Buffer.from(`${key} ${owner}`))).toString()),
  };
  const viaHttp: NodeProxy = {
    get: (key) => httpBody(`/state/${encodeURIComponent(key)}`),
    lock: async (key, owner, ms) => (await httpBody("/lock", `${key} ${owner} ${ms}`)).toString() === "1",
    unlock: async (key, owner) => Number((await httpBody("/unlock", `${key} ${owner}`)).toString()),
  };
  return {
    grpcPort: ports.grpc,
    grpc: async () => { await call("Empty", EMPTY); },
    http: async () => { await httpBody("/"); },
    proxy: o.redis ? { grpc: viaGrpc, http: viaHttp } : undefined,
    async close() {
      clients.close();
      await agent.close();
      await server.stop();
    },
  };
}
