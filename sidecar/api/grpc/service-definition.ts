// A gRPC service definition built straight from a protobufjs Service, with the
// (de)serializers @grpc/proto-loader would make for it: requests and responses
// are plain objects converted with `conversionOptions`. proto-loader also builds
// a descriptor of every message type of the package (for reflection, which
// dapr-ts does not serve); doing only the services keeps that off the start-up path.
import type * as grpc from "@grpc/grpc-js";
import type { IConversionOptions, Service, Type } from "protobufjs/light.js";

/** How messages are converted to objects: field names as in the .proto, enums as names, int64 as numbers. */
export const conversionOptions: IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

function serializer(type: Type): (value: unknown) => Buffer {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish() as Buffer;
  };
}

function deserializer(type: Type): (bytes: Buffer) => unknown {
  return (bytes) => type.toObject(type.decode(bytes), conversionOptions);
}

/**
 * The camelCase alias grpc-js adds to generated clients (`CallLocal` -> `callLocal`),
 * split into words as lodash's camelCase (which proto-loader uses) does for identifiers.
 */
export function methodAlias(name: string): string {
  const words = name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [];
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join("");
}

export function serviceDefinition(service: Service): grpc.ServiceDefinition {
  const serviceName = service.fullName.replace(/^\./, "");
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    def[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      originalName: methodAlias(method.name),
    };
  }
  return def;
}
