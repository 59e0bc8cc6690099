// A gRPC service definition built from the protobufjs JSON of a service, with
// the (de)serializers @grpc/proto-loader would make for it: requests and
// responses are plain objects converted with `conversionOptions`.
//
// Why not proto-loader: besides the services it builds a descriptor of every
// message type of the package (for reflection, which dapr-ts does not serve).
// Why lazy: the method table (names, paths, streaming) is all a server needs to
// listen; the message types (protobufjs reflection and the code it generates)
// are built on the first message a method actually sends or receives.
import type * as grpc from "@grpc/grpc-js";
import type { IConversionOptions, Type } from "protobufjs/light.js";

/** How messages are converted to objects: field names as in the .proto, enums as names, int64 as numbers. */
export const conversionOptions: IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

/** A method as protobufjs JSON describes it. */
export interface MethodJson {
  requestType: string;
  responseType: string;
  requestStream?: boolean;
  responseStream?: boolean;
}

/** Resolves the message types of one method (called once, on first use). */
export type TypeResolver = (method: string) => { request: Type; response: Type };

function serializer(type: () => Type): (value: unknown) => Buffer {
  return (value) => {
    const t = type();
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${t.name} structure, got array instead`);
    return t.encode(t.fromObject(value as Record<string, unknown>)).finish() as Buffer;
  };
}

function deserializer(type: () => Type): (bytes: Buffer) => unknown {
  return (bytes) => {
    const t = type();
    return t.toObject(t.decode(bytes), conversionOptions);
  };
}

/**
 * The camelCase alias grpc-js adds to generated clients (`CallLocal` -> `callLocal`),
 * split into words as lodash's camelCase (which proto-loader uses) does for identifiers.
 */
export function methodAlias(name: string): string {
  const words = name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [];
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join("");
}

export function serviceDefinition(serviceName: string, methods: Record<string, MethodJson>, resolve: TypeResolver): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(methods)) {
    let types: { request: Type; response: Type } | undefined;
    const request = () => (types ??= resolve(name)).request;
    const response = () => (types ??= resolve(name)).response;
    def[name] = {
      path: `/${serviceName}/${name}`,
      requestStream: !!m.requestStream,
      responseStream: !!m.responseStream,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      originalName: methodAlias(name),
    };
  }
  return def;
}
