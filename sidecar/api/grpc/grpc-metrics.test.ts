import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Errors } from "../../errors/catalog.js";
import { metricsRegistry } from "../../metrics/registry.js";
import { daprClient, unaryCall, type DaprClient } from "../../../test/compat/raw-grpc-client.js";
import { bindGrpc, buildGrpcApi } from "./grpc-server.js";
import { unary, unimplemented, type GrpcHandlers } from "./grpc-helpers.js";
import { grpcMethodLabel, withGrpcMetrics, withMessageSizeMetrics } from "./grpc-metrics.js";
import { daprService } from "./protos.js";

const appId = `grpc-metrics-${process.pid}`;

async function sample(name: string, labels: Record<string, string>): Promise<number> {
  // Histograms list their _count/_sum/_bucket series under the base name.
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => name === m.name || name.startsWith(`${m.name}_`));
  const hit = (metric?.values ?? []).find((v) => ((v as { metricName?: string }).metricName ?? metric!.name) === name
    && Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return hit?.value ?? 0;
}

describe("gRPC server metrics", () => {
  let server: grpc.Server;
  let client: DaprClient;
  beforeAll(async () => {
    const handlers: GrpcHandlers = {
      GetMetadata: unary(async () => ({ id: "x".repeat(3000) })),
      GetState: unary(async () => { throw Errors.stateKeyMissing(); }),
      SubscribeConfiguration: ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        call.write({ id: "sub-1", items: {} });
        call.end();
      }) as grpc.UntypedHandleCall,
    };
    const service = daprService();
    const impl: GrpcHandlers = {};
    for (const rpc of Object.keys(service)) impl[rpc] = withGrpcMetrics(rpc, handlers[rpc] ?? unimplemented(rpc), appId);
    server = new grpc.Server();
    server.addService(withMessageSizeMetrics(service, appId), impl);
    const port = await bindGrpc(server, "127.0.0.1:0");
    client = daprClient(port);
  });
  afterAll(() => {
    client?.close();
    server?.forceShutdown();
  });

  it("labels methods with their full gRPC path", () => {
    expect(grpcMethodLabel("GetState")).toBe("/dapr.proto.runtime.v1.Dapr/GetState");
    expect(grpcMethodLabel("/TaskHubSidecarService/Hello")).toBe("/TaskHubSidecarService/Hello");
  });

  it("counts completed unary RPCs by status, times them, and sizes their messages", async () => {
    const method = "/dapr.proto.runtime.v1.Dapr/GetMetadata";
    expect((await unaryCall(client, "GetMetadata", {})).code).toBe(grpc.status.OK);
    expect((await unaryCall(client, "GetState", { store_name: "s", key: "" })).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await unaryCall(client, "PublishEvent", {})).code).toBe(grpc.status.UNIMPLEMENTED);
    expect(await sample("dapr_grpc_io_server_completed_rpcs", { app_id: appId, grpc_server_method: method, grpc_server_status: "OK" })).toBe(1);
    expect(await sample("dapr_grpc_io_server_completed_rpcs", { app_id: appId, grpc_server_method: "/dapr.proto.runtime.v1.Dapr/GetState", grpc_server_status: "INVALID_ARGUMENT" })).toBe(1);
    expect(await sample("dapr_grpc_io_server_completed_rpcs", { app_id: appId, grpc_server_method: "/dapr.proto.runtime.v1.Dapr/PublishEvent", grpc_server_status: "UNIMPLEMENTED" })).toBe(1);
    expect(await sample("dapr_grpc_io_server_server_latency_count", { app_id: appId, grpc_server_method: method })).toBe(1);
    // The response carries a 3000-character id, so more than 2 KiB was sent.
    expect(await sample("dapr_grpc_io_server_sent_bytes_per_rpc_sum", { app_id: appId, grpc_server_method: method })).toBeGreaterThan(3000);
    expect(await sample("dapr_grpc_io_server_received_bytes_per_rpc_count", { app_id: appId, grpc_server_method: "/dapr.proto.runtime.v1.Dapr/GetState" })).toBe(1);
  });

  it("counts a server stream once when it ends", async () => {
    const stream = client["SubscribeConfiguration"]({ store_name: "s" }) as grpc.ClientReadableStream<unknown>;
    const items: unknown[] = [];
    await new Promise<void>((resolve) => {
      stream.on("data", (d) => items.push(d));
      stream.on("status", () => resolve());
      stream.on("error", () => {});
    });
    expect(items).toHaveLength(1);
    expect(await sample("dapr_grpc_io_server_completed_rpcs", {
      app_id: appId, grpc_server_method: "/dapr.proto.runtime.v1.Dapr/SubscribeConfiguration", grpc_server_status: "OK",
    })).toBe(1);
  });
});

describe("the gRPC API server's metrics switch", () => {
  it("records Dapr's gRPC server metrics unless told not to (the Configuration's metrics.enabled)", async () => {
    for (const [id, recordMetrics, expected] of [[`${appId}-on`, undefined, 2], [`${appId}-off`, false, 0]] as const) {
      const { server } = buildGrpcApi({ appId: id, handlers: {}, maxMessageSize: 4 << 20, recordMetrics });
      const c = daprClient(await bindGrpc(server, "127.0.0.1:0"));
      try {
        for (let i = 0; i < 2; i++) expect((await unaryCall(c, "GetState", { store_name: "s", key: "k" })).code).toBe(grpc.status.UNIMPLEMENTED);
      } finally {
        c.close();
        server.forceShutdown();
      }
      expect(await sample("dapr_grpc_io_server_completed_rpcs", { app_id: id, grpc_server_method: grpcMethodLabel("GetState"), grpc_server_status: "UNIMPLEMENTED" })).toBe(expected);
    }
  });
});
