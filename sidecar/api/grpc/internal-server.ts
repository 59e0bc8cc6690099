// The internal gRPC server: `dapr.proto.internals.v1.ServiceInvocation`,
// sidecar to sidecar (service invocation, actor calls). Unbuilt RPCs answer
// UNIMPLEMENTED naming themselves; messages may be large (streamed bodies).
import * as grpc from "@grpc/grpc-js";
import { unimplemented, type GrpcHandlers } from "./grpc-helpers.js";
import { internalService } from "./protos.js";
import { serveUnknownMethods, type UnknownMethodHandler } from "./unknown-methods.js";
import { rawHandlerOf, serveUnaryFast, type RawStreamHandler } from "./unary-fast-path.js";

/** `unknownMethods` serves calls to any other method (gRPC proxying to this sidecar's app). */
export function buildInternalGrpc(handlers: GrpcHandlers, unknownMethods?: UnknownMethodHandler): grpc.Server {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
    // As on the API server (grpc-server.ts): no channelz service is served, and its
    // per-call bookkeeping cost the callee sidecar about 8% of its CPU per invocation.
    "grpc.enable_channelz": 0,
  });
  const service = internalService();
  const impl: GrpcHandlers = {};
  // Handlers that carry a raw HTTP/2 handler (CallLocalStream) are served by it; grpc-js keeps their registration.
  const raw: Record<string, RawStreamHandler> = {};
  for (const rpc of Object.keys(service)) {
    impl[rpc] = handlers[rpc] ?? unimplemented(rpc);
    const rawHandler = rawHandlerOf(handlers[rpc]);
    if (rawHandler) raw[service[rpc]!.path] = rawHandler;
  }
  server.addService(service, impl);
  if (unknownMethods) serveUnknownMethods(server, unknownMethods);
  serveUnaryFast(server, { maxReceive: -1, maxSend: -1 }, raw);
  return server;
}
