// The internal gRPC server: `dapr.proto.internals.v1.ServiceInvocation`,
// sidecar to sidecar (service invocation, actor calls). Unbuilt RPCs answer
// UNIMPLEMENTED naming themselves; messages may be large (streamed bodies).
import * as grpc from "@grpc/grpc-js";
import { unimplemented, type GrpcHandlers } from "./grpc-helpers.js";
import { internalService } from "./protos.js";

export function buildInternalGrpc(handlers: GrpcHandlers): grpc.Server {
  const server = new grpc.Server({ "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 });
  const service = internalService();
  const impl: GrpcHandlers = {};
  for (const rpc of Object.keys(service)) impl[rpc] = handlers[rpc] ?? unimplemented(rpc);
  server.addService(service, impl);
  return server;
}
