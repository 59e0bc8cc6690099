import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { generatedPath, protoBundles, renderBundle, type BundleName } from "./proto-bundles.js";
import { daprProto, lookup, serviceByName } from "./protos.js";
import { methodAlias } from "./service-definition.js";

const require = createRequire(import.meta.url);

/** What the runtime used to do: proto-loader on the .proto files (the reference behaviour). */
function protoLoaderPackage(name: BundleName): grpc.GrpcObject {
  const b = protoBundles[name];
  const dir = path.join(path.dirname(require.resolve(`${b.packageName}/package.json`)), b.protoDir);
  const def = protoLoader.loadSync(b.files, { keepCase: true, longs: Number, enums: String, bytes: Buffer, defaults: true, oneofs: true, includeDirs: [dir] });
  return grpc.loadPackageDefinition(def);
}

const services: [BundleName, string][] = [
  ["dapr", "dapr.proto.runtime.v1.Dapr"],
  ["dapr", "dapr.proto.runtime.v1.AppCallback"],
  ["dapr", "dapr.proto.runtime.v1.AppCallbackAlpha"],
  ["dapr", "dapr.proto.runtime.v1.AppCallbackHealthCheck"],
  ["dapr", "dapr.proto.internals.v1.ServiceInvocation"],
  ["durabletask", "TaskHubSidecarService"],
];

describe("precompiled proto bundles", () => {
  for (const name of Object.keys(protoBundles) as BundleName[]) {
    it(`generated/${name}-protos.ts matches the installed .proto files (else run 'make protos')`, () => {
      expect(readFileSync(generatedPath(name), "utf8") === renderBundle(name)).toBe(true);
    });
  }

  const reference = { dapr: protoLoaderPackage("dapr"), durabletask: protoLoaderPackage("durabletask") };

  for (const [bundle, fullName] of services) {
    it(`${fullName}: same methods, paths, streaming and client aliases as proto-loader`, () => {
      const theirs = lookup<grpc.ServiceClientConstructor>(reference[bundle], fullName).service;
      const ours = serviceByName(fullName);
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      for (const [rpc, t] of Object.entries(theirs)) {
        const o = ours[rpc]!;
        expect({ path: o.path, requestStream: o.requestStream, responseStream: o.responseStream, originalName: o.originalName })
          .toEqual({ path: t.path, requestStream: t.requestStream, responseStream: t.responseStream, originalName: t.originalName });
        // Defaults (empty message): enums as names, int64 as numbers, bytes as Buffers, oneof markers.
        expect(o.requestDeserialize(Buffer.alloc(0))).toEqual(t.requestDeserialize(Buffer.alloc(0)));
        expect(o.responseDeserialize(Buffer.alloc(0))).toEqual(t.responseDeserialize(Buffer.alloc(0)));
      }
    });
  }

  it("encodes and decodes a filled message exactly as proto-loader does", () => {
    const theirs = lookup<grpc.ServiceClientConstructor>(reference.dapr, "dapr.proto.runtime.v1.Dapr").service.SaveState!;
    const ours = serviceByName("dapr.proto.runtime.v1.Dapr").SaveState!;
    const req = {
      store_name: "s",
      states: [{ key: "k", value: Buffer.from("v"), etag: { value: "3" }, metadata: { ttlInSeconds: "5" }, options: { concurrency: "CONCURRENCY_FIRST_WRITE", consistency: "CONSISTENCY_STRONG" } }],
    };
    const bytes = ours.requestSerialize(req);
    expect(bytes.equals(theirs.requestSerialize(req))).toBe(true);
    expect(ours.requestDeserialize(bytes)).toEqual(theirs.requestDeserialize(bytes));
    const event = ours.requestDeserialize(bytes) as { states: { options: { concurrency: string } }[] };
    expect(event.states[0]!.options.concurrency).toBe("CONCURRENCY_FIRST_WRITE");
  });

  it("rejects an array where a message is expected, as proto-loader does", () => {
    expect(() => serviceByName("dapr.proto.runtime.v1.Dapr").SaveState!.requestSerialize([] as never)).toThrow(/expected object/);
  });

  it("gives clients the camelCase aliases grpc-js would", () => {
    const Ctor = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.internals.v1.ServiceInvocation");
    expect(typeof Ctor.prototype.callLocal).toBe("function");
    expect(typeof Ctor.prototype.CallLocal).toBe("function");
    expect(methodAlias("GetAPIVersionAlpha1")).toBe("getApiVersionAlpha1");
  });
});
