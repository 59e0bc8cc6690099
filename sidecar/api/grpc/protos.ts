// The wire contract, loaded from the .proto files the official SDK packages
// publish (@dapr/dapr ships Dapr's, @dapr/durabletask-js the workflow one).
// Loaded once per process; field names stay as in the .proto (snake_case),
// so handlers read exactly what the contract says.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

export function daprProtoRoot(): string {
  return path.join(path.dirname(require.resolve("@dapr/dapr/package.json")), "proto");
}

export function durableTaskProtoRoot(): string {
  return path.join(path.dirname(require.resolve("@dapr/durabletask-js/package.json")), "proto");
}

export const loaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

let daprPackage: grpc.GrpcObject | undefined;

/** The loaded `dapr.proto.*` packages (runtime, common, internals). */
export function daprProto(): grpc.GrpcObject {
  if (!daprPackage) {
    const root = daprProtoRoot();
    const def = protoLoader.loadSync(
      ["dapr/proto/runtime/v1/dapr.proto", "dapr/proto/runtime/v1/appcallback.proto", "dapr/proto/internals/v1/service_invocation.proto"],
      { ...loaderOptions, includeDirs: [root] },
    );
    daprPackage = grpc.loadPackageDefinition(def);
  }
  return daprPackage;
}

/** Looks up a dotted name (e.g. "dapr.proto.runtime.v1.Dapr") in a loaded package. */
export function lookup<T>(pkg: grpc.GrpcObject, dotted: string): T {
  let cur: unknown = pkg;
  for (const part of dotted.split(".")) {
    cur = (cur as Record<string, unknown>)?.[part];
    if (cur === undefined) throw new Error(`proto: ${dotted} not found`);
  }
  return cur as T;
}

export function daprService(): grpc.ServiceDefinition {
  return lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr").service;
}

export function internalService(): grpc.ServiceDefinition {
  return lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.internals.v1.ServiceInvocation").service;
}
