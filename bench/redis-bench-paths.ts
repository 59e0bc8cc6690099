// What the state and the lock benches both set up: the three ways they reach
// the same Redis (services.redis), started and stopped alike.
//  - ioredis directly, on its one connection;
//  - the sidecar as shipped, with the given components, driven by grpc-js
//    clients each on its own HTTP/2 connection and undici with as many
//    HTTP/1.1 connections;
//  - the floors' child process (bench/transport-floor.ts): no-op servers and
//    the minimal Node proxy, which talks to the same Redis.
import * as grpc from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { Agent } from "undici";
import { daprProto, lookup } from "../sidecar/api/grpc/protos.js";
import { services } from "../test/support/services.js";
import { startBenchSidecar, type BenchSidecar } from "./bench-sidecar.js";
import { grpcConnections, type GrpcConnections } from "./grpc-connections.js";
import { startTransportFloor, type TransportFloor } from "./transport-floor.js";

export interface RedisBenchPaths {
  redis: Redis;
  sidecar: BenchSidecar;
  /** Dapr API clients to the sidecar, one per connection, round robin. */
  dapr: GrpcConnections<grpc.Client & Record<string, any>>;
  /** undici's pool to the sidecar's HTTP port. */
  agent: Agent;
  floor: TransportFloor;
  close(): Promise<void>;
}

export async function startRedisBenchPaths(appId: string, resourcesPath: string, connections: number): Promise<RedisBenchPaths> {
  const floor = await startTransportFloor(connections, { redis: services.redis });
  const sidecar = await startBenchSidecar(appId, ["--resources-path", resourcesPath]).catch(async (err) => {
    await floor.close();
    throw err;
  });
  const redis = new Redis({ host: services.redis.host, port: services.redis.port });
  const Client = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
  const dapr = grpcConnections((a, c, opts) => new Client(a, c, opts) as grpc.Client & Record<string, any>, `127.0.0.1:${sidecar.grpcPort}`, connections);
  const agent = new Agent({ connections, pipelining: 1 });
  return {
    redis, sidecar, dapr, agent, floor,
    async close() {
      dapr.close();
      await agent.close();
      await floor.close();
      redis.disconnect();
      await sidecar.stop();
    },
  };
}
