// The wire contract: the .proto files the official SDK packages publish
// (@dapr/dapr ships Dapr's, @dapr/durabletask-js the workflow one), parsed at
// build time into generated/*-protos.ts (see proto-bundles.ts). Field names
// stay as in the .proto (snake_case), so handlers read exactly what the
// contract says.
//
// Start-up only reads the method tables from that JSON (a JSON.parse); the
// protobufjs reflection of the messages, the bulk of the cost, is built
// synchronously by the first message encoded or decoded (see service-definition.ts).
import * as grpc from "@grpc/grpc-js";
import { createRequire } from "node:module";
import type * as protobuf from "protobufjs/light.js";
import { daprProtoJson } from "./generated/dapr-protos.js";
import { durableTaskProtoJson } from "./generated/durabletask-protos.js";
import { serviceDefinition, type MethodJson } from "./service-definition.js";

export { conversionOptions } from "./service-definition.js";

const require = createRequire(import.meta.url);

/** protobufjs JSON: namespaces nest, services have methods, messages have fields, enums values. */
interface NamespaceJson {
  nested?: Record<string, NamespaceJson>;
  methods?: Record<string, MethodJson>;
  fields?: unknown;
  values?: unknown;
}

class Bundle {
  private parsed: NamespaceJson | undefined;
  private reflected: protobuf.Root | undefined;

  constructor(private readonly text: string) {}

  json(): NamespaceJson {
    return (this.parsed ??= JSON.parse(this.text) as NamespaceJson);
  }

  root(): protobuf.Root {
    if (!this.reflected) {
      // require, not import: the first (de)serialisation needs it synchronously (protobufjs is CommonJS).
      const { Root } = require("protobufjs/light.js") as typeof protobuf;
      this.reflected = Root.fromJSON(this.json());
    }
    return this.reflected;
  }
}

const dapr = new Bundle(daprProtoJson);
const durableTask = new Bundle(durableTaskProtoJson);
const services = new Map<string, grpc.ServiceDefinition>();
let daprPackage: grpc.GrpcObject | undefined;

function methodsOf(bundle: Bundle, fullName: string): Record<string, MethodJson> {
  let cur: NamespaceJson | undefined = bundle.json();
  for (const part of fullName.split(".")) cur = cur?.nested?.[part];
  if (!cur?.methods) throw new Error(`proto: service ${fullName} not found`);
  return cur.methods;
}

/** The definition of a service by its full name (e.g. "dapr.proto.runtime.v1.Dapr"), built once. */
export function serviceByName(fullName: string): grpc.ServiceDefinition {
  let def = services.get(fullName);
  if (!def) {
    // The durabletask service has no proto package; everything else is `dapr.*`.
    const bundle = fullName.startsWith("dapr.") ? dapr : durableTask;
    def = serviceDefinition(fullName, methodsOf(bundle, fullName), (method) => {
      const m = bundle.root().lookupService(fullName).methods[method]!;
      m.resolve();
      return { request: m.resolvedRequestType!, response: m.resolvedResponseType! };
    });
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
    const visit = (ns: NamespaceJson, prefix: string): grpc.GrpcObject => {
      const out: grpc.GrpcObject = {};
      for (const [name, child] of Object.entries(ns.nested ?? {})) {
        const fullName = prefix ? `${prefix}.${name}` : name;
        if (child.methods) out[name] = grpc.makeClientConstructor(serviceByName(fullName), name);
        else if (child.nested && !child.fields && !child.values) out[name] = visit(child, fullName);
      }
      return out;
    };
    daprPackage = { dapr: visit(dapr.json().nested!["dapr"]!, "dapr") };
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
