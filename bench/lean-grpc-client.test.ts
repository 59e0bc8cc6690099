import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFields, leanGrpcClient, type LeanGrpcClient } from "./lean-grpc-client.js";

const identity = (b: Buffer) => b;
const method = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
  path, requestStream: false, responseStream: false,
  requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
});

describe("leanGrpcClient", () => {
  const server = new grpc.Server();
  let client: LeanGrpcClient;

  beforeAll(async () => {
    server.addService({ Echo: method("/t.T/Echo"), Fail: method("/t.T/Fail") }, {
      Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from("echo:"), call.request])),
      Fail: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb({ code: grpc.status.NOT_FOUND, details: "no such thing" }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    client = leanGrpcClient("127.0.0.1", port, 2);
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it("sends a framed message and returns the response message, on every connection", async () => {
    const replies = await Promise.all([1, 2, 3].map((i) => client.unary("/t.T/Echo", Buffer.from(`m${i}`))));
    expect(replies.map(String)).toEqual(["echo:m1", "echo:m2", "echo:m3"]);
  });

  it("rejects with the status and message of a failed call", async () => {
    await expect(client.unary("/t.T/Fail", Buffer.alloc(0))).rejects.toThrow("grpc-status 5: no such thing");
  });

  it("rejects a method the server does not have", async () => {
    await expect(client.unary("/t.T/Missing", Buffer.alloc(0))).rejects.toThrow(/grpc-status 12/);
  });
});

describe("encodeFields", () => {
  it("encodes length-delimited fields as protobuf does", () => {
    // GetStateRequest{store_name: "mem", key: "k"}
    expect(encodeFields([[1, "mem"], [2, "k"]]).toString("hex")).toBe("0a036d656d12016b");
    // an enum as a varint: HTTPExtension{verb: POST}
    expect(encodeFields([[1, 3]]).toString("hex")).toBe("0803");
    // a length over 127 takes a two-byte varint
    expect(encodeFields([[2, Buffer.alloc(200)]]).subarray(0, 3).toString("hex")).toBe("12c801");
  });
});
