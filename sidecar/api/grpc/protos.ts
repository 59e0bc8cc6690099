// The wire contract: the .proto files the official SDK packages publish
// (@dapr/dapr ships Dapr's, @dapr/durabletask-js the workflow one), parsed at
// build time into generated/*-protos.ts (see proto-bundles.ts) and loaded here
// with the light protobufjs build, once per process and only when first asked
// for. Field names stay as in the .proto (snake_case), so handlers read exactly
// what the contract says.
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs/light.js";
import { daprProtoJson } from "./generated/dapr-protos.js";
import { durableTaskProtoJson } from "./generated/durabletask-protos.js";
import { serviceDefinition } from "./service-definition.js";

export { conversionOptions } from "./service-definition.js";

let daprRoot: protobuf.Root | undefined;
let durableTaskRoot: protobuf.Root | undefined;
const services = new Map<string, grpc.ServiceDefinition>();
let daprPackage: grpc.GrpcObject | undefined;

function loadDaprRoot(): protobuf.Root {
  return (daprRoot ??= protobuf.Root.fromJSON(JSON.parse(daprProtoJson)));
}

function rootOf(fullName: string): protobuf.Root {
  // The durabletask service has no proto package; everything else is `dapr.*`.
  if (fullName.startsWith("dapr.")) return loadDaprRoot();
  return (durableTaskRoot ??= protobuf.Root.fromJSON(JSON.parse(durableTaskProtoJson)));
}

/** The definition of a service by its full name (e.g. "dapr.proto.runtime.v1.Dapr"), built once. */
export function serviceByName(fullName: string): grpc.ServiceDefinition {
  let def = services.get(fullName);
  if (!def) {
    def = serviceDefinition(rootOf(fullName).lookupService(fullName));
    services.set(fullName, def);
  }
  return def;
}

/**
 * The `dapr.proto.*` packages (runtime, common, internals) as grpc-js would load
 * them: nested objects whose services are client constructors. Only services
 * are present (nobody looks up message types).
 */
export function daprProto(): grpc.GrpcObject {
  if (!daprPackage) {
    const out: grpc.GrpcObject = {};
    const visit = (ns: protobuf.NamespaceBase, into: grpc.GrpcObject) => {
      for (const child of ns.nestedArray) {
        if (child instanceof protobuf.Service) {
          const fullName = child.fullName.replace(/^\./, "");
          into[child.name] = grpc.makeClientConstructor(serviceByName(fullName), child.name);
        } else if (child instanceof protobuf.Namespace && !(child instanceof protobuf.Type)) {
          const nested: grpc.GrpcObject = {};
          visit(child, nested);
          into[child.name] = nested;
        }
      }
    };
    const dapr: grpc.GrpcObject = {};
    visit(loadDaprRoot().lookup("dapr") as protobuf.Namespace, dapr);
    out["dapr"] = dapr;
    daprPackage = out;
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
  return serviceByName("dapr.proto.runtime.v1.Dapr");
}

export function internalService(): grpc.ServiceDefinition {
  return serviceByName("dapr.proto.internals.v1.ServiceInvocation");
}

/** TaskHubSidecarService, the durabletask protocol the Dapr SDKs' workflow workers speak. */
export function taskHubService(): grpc.ServiceDefinition {
  return serviceByName("TaskHubSidecarService");
}
