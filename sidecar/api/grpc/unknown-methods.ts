// A catch-all for calls to methods a grpc-js server has no handler for (Go's
// grpc.UnknownServiceHandler, which Dapr's gRPC proxying is built on).
//
// grpc-js has no public hook for this: an unregistered path is answered
// UNIMPLEMENTED before any handler or interceptor runs. It does look the
// handler up per call, by path, in a Map kept on the server (`handlers`,
// consulted by `_retrieveHandler`). Giving that Map a `get` that falls back to
// one generic handler is enough: registered services are found first, exactly
// as before, and any other path gets a bidirectional-streaming handler whose
// messages stay raw bytes (identity (de)serialisers), which fits every call
// type since on the wire they are all streams. `unknown-methods.test.ts` pins
// this against the installed grpc-js, so an upgrade that changes it fails there
// (and `serveUnknownMethods` refuses to start rather than silently not proxying).
import * as grpc from "@grpc/grpc-js";
import { createRequire } from "node:module";

/** A call to a method the server does not serve; messages are the raw protobuf bytes. */
export type UnknownMethodCall = grpc.ServerDuplexStream<Buffer, Buffer>;
export type UnknownMethodHandler = (call: UnknownMethodCall) => void;

interface HandlerEntry {
  func: UnknownMethodHandler;
  serialize: (b: Buffer) => Buffer;
  deserialize: (b: Buffer) => Buffer;
  type: "bidi";
  path: string;
}

const identity = (b: Buffer): Buffer => b;

/** Routes every call to an unregistered path on `server` to `handler`. */
export function serveUnknownMethods(server: grpc.Server, handler: UnknownMethodHandler): void {
  const handlers = (server as unknown as { handlers?: unknown }).handlers;
  if (!(handlers instanceof Map) || typeof (server as unknown as { _retrieveHandler?: unknown })._retrieveHandler !== "function") {
    throw new Error(
      `@grpc/grpc-js ${grpcJsVersion()} no longer keeps its method handlers in a Map looked up per call; ` +
        "the fallback for unknown methods (gRPC proxying) must be adapted to it (sidecar/api/grpc/unknown-methods.ts)",
    );
  }
  const registered = handlers as Map<string, unknown>;
  const lookup = registered.get.bind(registered);
  registered.get = (path: string) => lookup(path) ?? fallbackEntry(path, handler);
}

function fallbackEntry(path: string, func: UnknownMethodHandler): HandlerEntry {
  return { func, serialize: identity, deserialize: identity, type: "bidi", path };
}

export function grpcJsVersion(): string {
  try {
    return (createRequire(import.meta.url)("@grpc/grpc-js/package.json") as { version: string }).version;
  } catch {
    return "(unknown version)";
  }
}
