// The sidecar's gRPC API server: the `dapr.proto.runtime.v1.Dapr` service with
// every RPC present; building blocks supply handlers, the rest answer
// UNIMPLEMENTED with their name. Other services (workflow, internal) can be added.
import * as grpc from "@grpc/grpc-js";
import { daprService } from "./protos.js";
import { unimplemented, withToken, type GrpcHandlers } from "./grpc-helpers.js";
import { withGrpcMetrics, withMessageSizeMetrics } from "./grpc-metrics.js";
import { serveUnknownMethods, type UnknownMethodHandler } from "./unknown-methods.js";
import { serveUnaryFast } from "./unary-fast-path.js";

export interface ExtraService {
  service: grpc.ServiceDefinition;
  handlers: GrpcHandlers;
  /** Whether the API token applies (true for app-facing services). */
  tokenProtected: boolean;
}

export interface GrpcApiOptions {
  appId: string;
  apiToken?: string;
  handlers: GrpcHandlers;
  maxMessageSize: number;
  extraServices?: ExtraService[];
  /** Serves calls to methods no service here has (gRPC proxying); the API token applies. */
  unknownMethods?: UnknownMethodHandler;
  /** Records Dapr's gRPC server metrics (default true; the Configuration's `metrics.enabled`). */
  recordMetrics?: boolean;
}

export function buildGrpcApi(opts: GrpcApiOptions): { server: grpc.Server; implemented: string[] } {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": opts.maxMessageSize,
    "grpc.max_send_message_length": opts.maxMessageSize,
    // Channelz (grpc-js's per-call, per-socket bookkeeping for the channelz
    // service) costs CPU on every call, and dapr-ts serves no channelz service.
    "grpc.enable_channelz": 0,
  });
  const service = daprService();
  const record = opts.recordMetrics ?? true;
  const withMetrics = (rpc: string, h: grpc.UntypedHandleCall) => (record ? withGrpcMetrics(rpc, h, opts.appId) : h);
  const withSizeMetrics = (s: grpc.ServiceDefinition) => (record ? withMessageSizeMetrics(s, opts.appId) : s);
  const impl: GrpcHandlers = {};
  const implemented: string[] = [];
  for (const rpc of Object.keys(service)) {
    const h = opts.handlers[rpc];
    if (opts.handlers[rpc]) implemented.push(rpc);
    impl[rpc] = withMetrics(rpc, withToken(h ?? unimplemented(rpc), opts.apiToken));
  }
  server.addService(withSizeMetrics(service), impl);
  for (const extra of opts.extraServices ?? []) {
    const wrapped: GrpcHandlers = {};
    for (const rpc of Object.keys(extra.service)) {
      const h = extra.handlers[rpc] ?? unimplemented(rpc);
      wrapped[rpc] = withMetrics(extra.service[rpc]!.path, extra.tokenProtected ? withToken(h, opts.apiToken) : h);
    }
    server.addService(withSizeMetrics(extra.service), wrapped);
  }
  if (opts.unknownMethods) serveUnknownMethods(server, withToken(opts.unknownMethods as grpc.UntypedHandleCall, opts.apiToken) as UnknownMethodHandler);
  serveUnaryFast(server, { maxReceive: opts.maxMessageSize, maxSend: opts.maxMessageSize });
  return { server, implemented };
}

export function bindGrpc(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}
