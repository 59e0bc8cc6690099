// Pins the grpc-js internals the unknown-method fallback relies on (a Map of
// handlers looked up per call by path): with the installed grpc-js, registered
// methods stay served by their own handlers, any other path reaches the
// fallback as raw bytes, whatever the call type, and status, headers and
// trailers set there reach the client. A grpc-js upgrade that changes this fails here.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveUnknownMethods, type UnknownMethodCall } from "./unknown-methods.js";

const text = { serialize: (s: string) => Buffer.from(s), deserialize: (b: Buffer) => b.toString() };
const echoService: grpc.ServiceDefinition = {
  Echo: {
    path: "/pin.Echo/Echo", requestStream: false, responseStream: false,
    requestSerialize: text.serialize, requestDeserialize: text.deserialize,
    responseSerialize: text.serialize, responseDeserialize: text.deserialize,
  },
};

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}

describe("serveUnknownMethods (grpc-js internals)", () => {
  const server = new grpc.Server();
  const plain = new grpc.Server();
  let client: grpc.Client;
  let plainClient: grpc.Client;
  const seen: { path: string; metadata: grpc.Metadata; messages: Buffer[] }[] = [];

  beforeAll(async () => {
    server.addService(echoService, { Echo: (call: grpc.ServerUnaryCall<string, string>, cb: grpc.sendUnaryData<string>) => cb(null, `registered:${call.request}`) });
    serveUnknownMethods(server, (call: UnknownMethodCall) => {
      const entry = { path: call.getPath(), metadata: call.metadata, messages: [] as Buffer[] };
      seen.push(entry);
      const headers = new grpc.Metadata();
      headers.set("x-fallback", "yes");
      call.sendMetadata(headers);
      call.on("data", (m: Buffer) => {
        entry.messages.push(m);
        call.write(Buffer.concat([Buffer.from("re:"), m]));
      });
      call.on("end", () => {
        const trailers = new grpc.Metadata();
        trailers.set("x-count", String(entry.messages.length));
        if (call.getPath().endsWith("/Fail")) call.emit("error", { code: grpc.status.NOT_FOUND, details: "nothing here", metadata: trailers });
        else call.end(trailers);
      });
    });
    client = new grpc.Client(`127.0.0.1:${await bind(server)}`, grpc.credentials.createInsecure());
    plainClient = new grpc.Client(`127.0.0.1:${await bind(plain)}`, grpc.credentials.createInsecure());
  });
  afterAll(() => {
    client?.close();
    plainClient?.close();
    server.forceShutdown();
    plain.forceShutdown();
  });

  const raw = (b: Buffer) => b;

  it("leaves registered methods to their own handlers", async () => {
    const before = seen.length;
    const res = await new Promise<string>((resolve, reject) =>
      client.makeUnaryRequest("/pin.Echo/Echo", text.serialize, text.deserialize, "hi", (err, v) => (err ? reject(err) : resolve(v!))));
    expect(res).toBe("registered:hi");
    expect(seen.length).toBe(before);
  });

  it("serves a unary call to an unknown path with raw bytes, headers and trailers", async () => {
    const md = new grpc.Metadata();
    md.set("x-in", "1");
    let headers: grpc.Metadata | undefined;
    let status: grpc.StatusObject | undefined;
    const res = await new Promise<Buffer>((resolve, reject) => {
      const call = client.makeUnaryRequest("/any.Thing/Do", raw, raw, Buffer.from([0, 1, 2]), md, (err, v) => (err ? reject(err) : resolve(v!)));
      call.on("metadata", (m) => (headers = m));
      call.on("status", (s) => (status = s));
    });
    expect(res).toEqual(Buffer.concat([Buffer.from("re:"), Buffer.from([0, 1, 2])]));
    const entry = seen.at(-1)!;
    expect(entry.path).toBe("/any.Thing/Do");
    expect(entry.metadata.get("x-in")).toEqual(["1"]);
    expect(headers?.get("x-fallback")).toEqual(["yes"]);
    await new Promise((r) => setImmediate(r));
    expect(status?.metadata.get("x-count")).toEqual(["1"]);
  });

  it("serves client and bidi streaming to unknown paths", async () => {
    const call = client.makeBidiStreamRequest("/any.Thing/Chat", raw, raw);
    const got: string[] = [];
    call.on("data", (m: Buffer) => got.push(m.toString()));
    const ended = new Promise((r) => call.on("status", r));
    for (const w of ["a", "b", "c"]) call.write(Buffer.from(w));
    call.end();
    await ended;
    expect(got).toEqual(["re:a", "re:b", "re:c"]);
  });

  it("passes an error status and its trailers to the client", async () => {
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest("/any.Thing/Fail", raw, raw, Buffer.from("x"), (e) => resolve(e!)));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toBe("nothing here");
    expect(err.metadata.get("x-count")).toEqual(["1"]);
  });

  it("a server without the fallback still answers UNIMPLEMENTED", async () => {
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      plainClient.makeUnaryRequest("/any.Thing/Do", raw, raw, Buffer.from("x"), (e) => resolve(e!)));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("refuses a server whose handlers it cannot reach", () => {
    expect(() => serveUnknownMethods({} as grpc.Server, () => {})).toThrow(/no longer keeps its method handlers/);
  });
});
