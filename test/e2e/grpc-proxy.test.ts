// Transparent gRPC proxying through real sidecars: a plain grpc-js app (its
// own service, fixtures/greeter.proto) called through the caller's sidecar
// API port with `dapr-app-id`, caller sidecar -> callee sidecar -> app. Every
// call type, metadata both ways, error status with trailers, access control,
// API and app tokens, deadlines, resiliency (retries, timeouts, dapr-stream),
// and the sidecar's own API untouched on the same port.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { freePort, uniqueName } from "../support/services.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";

const protoPath = fileURLToPath(new URL("./fixtures/greeter.proto", import.meta.url));
const greeterPkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: true, longs: Number, defaults: true })) as any;
const Greeter = greeterPkg.proxytest.Greeter as grpc.ServiceClientConstructor;
type GreeterClient = grpc.Client & Record<string, Function>;

const API_TOKEN = "caller-api-token";
const APP_TOKEN = "callee-app-token";

interface Seen {
  method: string;
  metadata: grpc.Metadata;
}

/** The target app: a plain gRPC server of its own Greeter service, recording what reached it. */
async function startGreeterApp() {
  const seen: Seen[] = [];
  const state = { flakyCalls: 0, slowCancelled: 0 };
  const record = (method: string, call: { metadata: grpc.Metadata }) => seen.push({ method, metadata: call.metadata });
  const server = new grpc.Server();
  server.addService(Greeter.service, {
    SayHello: (call: any, cb: any) => {
      record("SayHello", call);
      const headers = new grpc.Metadata();
      headers.set("x-reply-header", "from-app");
      call.sendMetadata(headers);
      const trailers = new grpc.Metadata();
      trailers.set("x-reply-trailer", "done");
      cb(null, { message: `Hello ${call.request.name}` }, trailers);
    },
    Fail: (call: any, cb: any) => {
      record("Fail", call);
      const trailers = new grpc.Metadata();
      trailers.set("x-error-detail", "no greetings on Sundays");
      cb({ code: grpc.status.FAILED_PRECONDITION, details: `cannot greet ${call.request.name}`, metadata: trailers });
    },
    Secret: (call: any, cb: any) => {
      record("Secret", call);
      cb(null, { message: "the secret" });
    },
    Slow: (call: any, cb: any) => {
      record("Slow", call);
      const t = setTimeout(() => cb(null, { message: "late" }), 5_000);
      call.on("cancelled", () => {
        state.slowCancelled++;
        clearTimeout(t);
      });
    },
    Flaky: (call: any, cb: any) => {
      record("Flaky", call);
      state.flakyCalls++;
      if (state.flakyCalls < 3) cb({ code: grpc.status.UNAVAILABLE, details: `attempt ${state.flakyCalls} fails` });
      else cb(null, { message: `ok after ${state.flakyCalls}` });
    },
    Countdown: (call: any) => {
      record("Countdown", call);
      for (let i = call.request.count; i >= 1; i--) call.write({ message: String(i) });
      call.end();
    },
    Sum: (call: any, cb: any) => {
      record("Sum", call);
      let sum = 0;
      let count = 0;
      call.on("data", (n: { value: number }) => {
        sum += n.value;
        count++;
      });
      call.on("end", () => cb(null, { sum, count }));
      call.on("error", () => {});
    },
    Chat: (call: any) => {
      record("Chat", call);
      call.on("data", (m: { name: string }) => call.write({ message: `echo ${m.name}` }));
      call.on("end", () => call.end());
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return { port, seen, state, close: () => server.forceShutdown() };
}

/** Metadata as an app sends it to its own sidecar to reach `target`. */
function meta(target: string | undefined, extra: Record<string, string | Buffer> = {}, token = API_TOKEN): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token) md.set("dapr-api-token", token);
  if (target) md.set("dapr-app-id", target);
  for (const [k, v] of Object.entries(extra)) md.set(k, v);
  return md;
}

interface UnaryResult<T> {
  res?: T;
  err?: grpc.ServiceError;
  headers?: grpc.Metadata;
  trailers?: grpc.Metadata;
}

function unary<T>(client: GreeterClient, method: string, req: unknown, md: grpc.Metadata, options: grpc.CallOptions = {}): Promise<UnaryResult<T>> {
  return new Promise((resolve) => {
    const out: UnaryResult<T> = {};
    const call = client[method]!(req, md, options, (err: grpc.ServiceError | null, res: T) => {
      if (err) out.err = err;
      else out.res = res;
    }) as grpc.ClientUnaryCall;
    call.on("metadata", (h) => (out.headers = h));
    // The status event comes after the callback: by then everything is known.
    call.on("status", (s) => {
      out.trailers = s.metadata;
      resolve(out);
    });
  });
}

function collect<T>(call: grpc.ClientReadableStream<T>): Promise<{ messages: T[]; status: grpc.StatusObject }> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    call.on("data", (m: T) => messages.push(m));
    call.on("error", () => {});
    call.on("status", (status) => resolve({ messages, status }));
  });
}

describe("gRPC proxying between two sidecars", () => {
  let home: string;
  let app: Awaited<ReturnType<typeof startGreeterApp>>;
  let caller: SidecarProcess;
  let callee: SidecarProcess;
  let retrying: SidecarProcess;
  let client: GreeterClient;
  const callerId = uniqueName("grpc-caller");
  const calleeId = uniqueName("greeter");
  // A second app id for the same app, with a retry policy and a timeout at the caller.
  const retryId = uniqueName("greeter-retry");

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-grpc-proxy-"));
    const config = path.join(home, "config.yaml");
    writeFileSync(config, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: grpc-acl }
spec:
  accessControl:
    defaultAction: allow
    trustDomain: public
    policies:
      - appId: ${callerId}
        defaultAction: allow
        trustDomain: public
        namespace: default
        operations:
          - name: /proxytest.Greeter/Secret
            action: deny
`);
    const resources = path.join(home, "resources");
    mkdirSync(resources);
    writeFileSync(path.join(resources, "resiliency.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: grpc-proxy-resiliency }
spec:
  policies:
    timeouts:
      short: 400ms
    retries:
      quick: { policy: constant, duration: 20ms, maxRetries: 3 }
  targets:
    apps:
      ${retryId}:
        timeout: short
        retry: quick
`);
    app = await startGreeterApp();
    const env = { DAPR_TS_HOME: home };
    const appArgs = ["--app-port", String(app.port), "--app-protocol", "grpc", "--config", config];
    [callee, retrying, caller] = await Promise.all([
      startSidecar({ appId: calleeId, args: appArgs, env: { ...env, APP_API_TOKEN: APP_TOKEN } }),
      startSidecar({ appId: retryId, args: appArgs, env: { ...env, APP_API_TOKEN: APP_TOKEN } }),
      startSidecar({ appId: callerId, resourcesPaths: [resources], env: { ...env, DAPR_API_TOKEN: API_TOKEN } }),
    ]);
    client = new Greeter(`127.0.0.1:${caller.grpcPort}`, grpc.credentials.createInsecure()) as unknown as GreeterClient;
  });
  afterAll(async () => {
    client?.close();
    await Promise.all([caller?.stop(), callee?.stop(), retrying?.stop()]);
    app?.close();
  });
  beforeEach(() => {
    app.seen.length = 0;
    app.state.flakyCalls = 0;
  });

  it("proxies a unary call: metadata both ways, Dapr's caller/callee ids and trace context, the app's token", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const r = await unary<{ message: string }>(client, "SayHello", { name: "Ada" }, meta(calleeId, {
      "x-custom": "hi", "x-blob-bin": Buffer.from([0, 1, 254]), traceparent, "dapr-caller-app-id": "spoofed",
    }));
    expect(r.err).toBeUndefined();
    expect(r.res).toEqual({ message: "Hello Ada" });
    expect(r.headers?.get("x-reply-header")).toEqual(["from-app"]);
    expect(r.trailers?.get("x-reply-trailer")).toEqual(["done"]);

    expect(app.seen).toHaveLength(1);
    const md = app.seen[0]!.metadata;
    expect(md.get("x-custom")).toEqual(["hi"]);
    expect(md.get("x-blob-bin")).toEqual([Buffer.from([0, 1, 254])]);
    expect(md.get("dapr-app-id")).toEqual([calleeId]);
    expect(md.get("dapr-caller-app-id")).toEqual([callerId]);
    expect(md.get("dapr-callee-app-id")).toEqual([calleeId]);
    // Same trace, a new span for the hop.
    const tp = String(md.get("traceparent")[0]);
    expect(tp).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(tp).not.toBe(traceparent);
    // The caller's API token stays at its sidecar; the app gets its own token.
    expect(md.get("dapr-api-token")).toEqual([APP_TOKEN]);
  });

  it("accepts the target as app-id.namespace", async () => {
    const r = await unary<{ message: string }>(client, "SayHello", { name: "ns" }, meta(`${calleeId}.default`));
    expect(r.res).toEqual({ message: "Hello ns" });
  });

  it("passes an error status, its message and trailers back unchanged", async () => {
    const r = await unary(client, "Fail", { name: "Bob" }, meta(calleeId));
    expect(r.err?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(r.err?.details).toBe("cannot greet Bob");
    expect(r.trailers?.get("x-error-detail")).toEqual(["no greetings on Sundays"]);
  });

  it("streams 100 server messages in order", async () => {
    const call = client.Countdown!({ count: 100 }, meta(calleeId)) as grpc.ClientReadableStream<{ message: string }>;
    const { messages, status } = await collect(call);
    expect(status.code).toBe(grpc.status.OK);
    expect(messages.map((m) => m.message)).toEqual(Array.from({ length: 100 }, (_, i) => String(100 - i)));
  });

  it("streams client messages", async () => {
    const res = await new Promise<{ sum: number; count: number }>((resolve, reject) => {
      const call = client.Sum!(meta(calleeId), (err: grpc.ServiceError | null, r: { sum: number; count: number }) => (err ? reject(err) : resolve(r))) as grpc.ClientWritableStream<{ value: number }>;
      for (let i = 1; i <= 50; i++) call.write({ value: i });
      call.end();
    });
    expect(res).toEqual({ sum: 1275, count: 50 });
  });

  it("streams both ways at once (each reply arrives before the next request is sent)", async () => {
    const call = client.Chat!(meta(calleeId)) as grpc.ClientDuplexStream<{ name: string }, { message: string }>;
    const replies: string[] = [];
    const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    for (const name of ["one", "two", "three", "four"]) {
      const reply = new Promise<{ message: string }>((resolve) => call.once("data", resolve));
      call.write({ name });
      replies.push((await reply).message);
    }
    call.end();
    expect((await status).code).toBe(grpc.status.OK);
    expect(replies).toEqual(["echo one", "echo two", "echo three", "echo four"]);
  });

  it("answers PERMISSION_DENIED when the callee's access control denies the method, and the app sees nothing", async () => {
    const r = await unary(client, "Secret", { name: "x" }, meta(calleeId));
    expect(r.err?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(r.err?.details).toContain("/proxytest.Greeter/Secret");
    expect(app.seen).toHaveLength(0);
  });

  it("answers UNAVAILABLE for an app id no sidecar has", async () => {
    const r = await unary(client, "SayHello", { name: "x" }, meta("no-such-app"));
    expect(r.err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(r.err?.details).toContain("no-such-app");
  });

  it("answers UNIMPLEMENTED for an unknown method without dapr-app-id", async () => {
    const r = await unary(client, "SayHello", { name: "x" }, meta(undefined));
    expect(r.err?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(r.err?.details).toContain("/proxytest.Greeter/SayHello");
  });

  it("checks the sidecar's API token before proxying", async () => {
    const r = await unary(client, "SayHello", { name: "x" }, meta(calleeId, {}, "wrong"));
    expect(r.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(app.seen).toHaveLength(0);
  });

  it("passes the caller's deadline on: the app's call is cancelled when it passes", async () => {
    const before = app.state.slowCancelled;
    const r = await unary(client, "Slow", { name: "x" }, meta(calleeId), { deadline: Date.now() + 300 });
    expect(r.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await expect.poll(() => app.state.slowCancelled, { timeout: 3_000 }).toBe(before + 1);
  });

  it("still serves the sidecar's own Dapr API on the same port, dapr-app-id or not", async () => {
    const Dapr = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
    const dapr = new Dapr(`127.0.0.1:${caller.grpcPort}`, grpc.credentials.createInsecure()) as unknown as GreeterClient;
    try {
      for (const md of [meta(undefined), meta(calleeId)]) {
        const r = await unary<{ id: string }>(dapr, "GetMetadata", {}, md);
        expect(r.err).toBeUndefined();
        expect(r.res?.id).toBe(callerId);
      }
    } finally {
      dapr.close();
    }
  });

  describe("under the target's resiliency policy", () => {
    it("retries a failing unary call and returns the successful answer", async () => {
      const r = await unary<{ message: string }>(client, "Flaky", { name: "x" }, meta(retryId));
      expect(r.err).toBeUndefined();
      expect(r.res).toEqual({ message: "ok after 3" });
      expect(app.seen.filter((s) => s.method === "Flaky")).toHaveLength(3);
    });

    it("applies the timeout to each try of a unary call", async () => {
      const started = Date.now();
      const r = await unary(client, "Slow", { name: "x" }, meta(retryId));
      expect(r.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      // One try and three retries, each cut at 400 ms.
      expect(app.seen.filter((s) => s.method === "Slow")).toHaveLength(4);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 400);
    });

    it("refuses a second request message when the call may be retried (FAILED_PRECONDITION)", async () => {
      const err = await new Promise<grpc.ServiceError>((resolve) => {
        const call = client.Sum!(meta(retryId), (e: grpc.ServiceError) => resolve(e)) as grpc.ClientWritableStream<{ value: number }>;
        call.on("error", () => {});
        call.write({ value: 1 });
        call.write({ value: 2 });
        call.end();
      });
      expect(err?.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err?.details).toContain("retries on streaming RPCs");
    });

    it("with dapr-stream: true, streams as usual (the policy covers only reaching the sidecar)", async () => {
      const res = await new Promise<{ sum: number; count: number }>((resolve, reject) => {
        const call = client.Sum!(meta(retryId, { "dapr-stream": "true" }), (err: grpc.ServiceError | null, r: { sum: number; count: number }) =>
          (err ? reject(err) : resolve(r))) as grpc.ClientWritableStream<{ value: number }>;
        for (let i = 1; i <= 10; i++) call.write({ value: i });
        call.end();
      });
      expect(res).toEqual({ sum: 55, count: 10 });
      // The timeout does not cut a stream marked so.
      const started = Date.now();
      const slow = await unary(client, "Slow", { name: "x" }, meta(retryId, { "dapr-stream": "true" }), { deadline: Date.now() + 1_200 });
      expect(slow.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_100);
      expect(app.seen.filter((s) => s.method === "Slow")).toHaveLength(1);
    });
  });
});
