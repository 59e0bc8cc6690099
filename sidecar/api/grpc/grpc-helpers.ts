// Wraps building-block handlers for grpc-js: DaprErrors become gRPC statuses,
// and the API token is checked once, here, for every call.
import * as grpc from "@grpc/grpc-js";
import { DaprError, Errors } from "../../errors/catalog.js";

export type UnaryFn<Req = any, Res = any> = (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>;

export type GrpcHandler = grpc.UntypedHandleCall;
export type GrpcHandlers = Record<string, GrpcHandler>;

export function toServiceError(err: unknown): grpc.ServiceError {
  const e = err instanceof DaprError ? err : Errors.internal(err instanceof Error ? err.message : String(err));
  const md = new grpc.Metadata();
  return Object.assign(new Error(e.message), { code: e.grpcCode, details: e.message, metadata: md }) as grpc.ServiceError;
}

export function unary<Req, Res>(fn: UnaryFn<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request, call).then(
      (res) => callback(null, res),
      (err) => callback(toServiceError(err)),
    );
  };
}

/** Every RPC of a service that no building block implements answers UNIMPLEMENTED, naming itself. */
export function unimplemented(rpc: string): grpc.UntypedHandleCall {
  const err = () => toServiceError(Errors.notImplemented(`the ${rpc} RPC`));
  return ((call: any, callback?: (e: grpc.ServiceError) => void) => {
    if (typeof callback === "function") return callback(err());
    call.emit("error", err());
  }) as grpc.UntypedHandleCall;
}

/** Checks `dapr-api-token` metadata before the handler runs, when a token is configured. */
export function withToken(handler: grpc.UntypedHandleCall, token: string | undefined): grpc.UntypedHandleCall {
  if (!token) return handler;
  return ((call: any, callback?: (e: grpc.ServiceError) => void) => {
    const given = call.metadata?.get("dapr-api-token")?.[0];
    if (given !== token) {
      const e = toServiceError(Errors.apiTokenInvalid());
      if (typeof callback === "function") return callback(e);
      return call.emit("error", e);
    }
    return (handler as any)(call, callback);
  }) as grpc.UntypedHandleCall;
}

/** Proto `map<string,string>` values arrive as plain objects; normalise absent ones. */
export function md(m: Record<string, string> | undefined | null): Record<string, string> {
  return m ? { ...m } : {};
}
