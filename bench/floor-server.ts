// The server side of the benches' floors (bench/transport-floor.ts starts it
// as a child process, as the sidecar is one): a grpc-js server and a node:http
// server, each serving two things.
//  - No-op: answer at once with nothing. What that costs is Node's own gRPC /
//    HTTP round trip between two processes on this machine.
//  - Minimal Node proxy (when given a Redis address): the least a Node process
//    in front of Redis can do: take the request, run the same Redis commands
//    with ioredis, answer the raw bytes. No protobuf, no JSON, no routing, no
//    components, no metrics. A sidecar cannot do less than this, so the
//    latency it adds beyond the proxy's is its own.
// Messages are raw bytes on both transports (identity serializers on gRPC):
//   Get    request: key                 answer: the value's bytes
//   Lock   request: "key owner ms"      answer: "1" acquired, "0" held by someone
//   Unlock request: "key owner"         answer: the release script's result
// over HTTP: GET /state/<key>, POST /lock and POST /unlock with those bodies;
// any other request is the no-op.
import * as grpc from "@grpc/grpc-js";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { daprService } from "../sidecar/api/grpc/protos.js";
import { announceToParent } from "./child-server.js";

/** Release a lock only while the caller still owns it: 1 released, -1 no such lock, -2 someone else's. */
export const LOCK_RELEASE_LUA =
  `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) elseif redis.call("exists", KEYS[1]) == 0 then return -1 else return -2 end`;

const identity = (b: Buffer) => b;
const unary = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
  path, requestStream: false, responseStream: false,
  requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
});
export const floorService: grpc.ServiceDefinition = {
  Empty: unary("/bench.Floor/Empty"),
  Get: unary("/bench.Floor/Get"),
  Lock: unary("/bench.Floor/Lock"),
  Unlock: unary("/bench.Floor/Unlock"),
};

export const SERVE_ARG = "serve-floor";
const EMPTY = Buffer.alloc(0);

/** The proxy's work, the same whichever transport asked for it. */
function proxyOps(redis: Redis & { releaseLock(key: string, owner: string): Promise<number> }) {
  return {
    get: (key: Buffer | string) => redis.getBuffer(key),
    async lock(payload: string): Promise<string> {
      const [key, owner, ms] = payload.split(" ");
      return (await redis.set(key!, owner!, "PX", Number(ms), "NX")) === "OK" ? "1" : "0";
    },
    async unlock(payload: string): Promise<string> {
      const [key, owner] = payload.split(" ");
      return String(await redis.releaseLock(key!, owner!));
    },
  };
}
type ProxyOps = ReturnType<typeof proxyOps>;

async function connectRedis(address: string): Promise<ProxyOps> {
  const [host, port] = address.split(":");
  const redis = new Redis({ host, port: Number(port) });
  // EVALSHA: the script is sent once, not with every release.
  redis.defineCommand("releaseLock", { numberOfKeys: 1, lua: LOCK_RELEASE_LUA });
  await redis.ping();
  return proxyOps(redis as Redis & { releaseLock(key: string, owner: string): Promise<number> });
}

function grpcHandlers(ops: ProxyOps | undefined): grpc.UntypedServiceImplementation {
  type Handler = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => void;
  const noRedis: grpc.ServiceError = Object.assign(new Error("floor server started without Redis"), { code: grpc.status.UNAVAILABLE, details: "", metadata: new grpc.Metadata() });
  const fail = (cb: grpc.sendUnaryData<Buffer>) => (err: Error) => cb(Object.assign(err, { code: grpc.status.INTERNAL }));
  const get: Handler = (call, cb) => {
    if (!ops) return cb(noRedis);
    ops.get(call.request).then((v) => (v ? cb(null, v) : cb({ code: grpc.status.NOT_FOUND })), fail(cb));
  };
  const text = (op: "lock" | "unlock"): Handler => (call, cb) => {
    if (!ops) return cb(noRedis);
    ops[op](call.request.toString()).then((answer) => cb(null, Buffer.from(answer)), fail(cb));
  };
  return { Empty: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, EMPTY), Get: get, Lock: text("lock"), Unlock: text("unlock") };
}

function httpHandler(ops: ProxyOps | undefined): http.RequestListener {
  const fail = (res: http.ServerResponse) => (err: Error) => {
    res.statusCode = 500;
    res.end(err.message);
  };
  return (req, res) => {
    const url = req.url ?? "/";
    if (ops && req.method === "GET" && url.startsWith("/state/")) {
      req.resume();
      ops.get(decodeURIComponent(url.slice("/state/".length))).then((v) => {
        if (!v) res.statusCode = 404;
        res.end(v ?? undefined);
      }, fail(res));
      return;
    }
    if (ops && req.method === "POST" && (url === "/lock" || url === "/unlock")) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        ops[url === "/lock" ? "lock" : "unlock"](Buffer.concat(chunks).toString()).then((answer) => res.end(answer), fail(res));
      });
      return;
    }
    req.resume();
    res.end();
  };
}

async function serve(redisAddress: string | undefined): Promise<void> {
  const ops = redisAddress ? await connectRedis(redisAddress) : undefined;
  const server = new grpc.Server();
  server.addService(floorService, grpcHandlers(ops));
  // For clients of the Dapr API (bench/pubsub-bench.ts): a PublishEvent that decodes its request and does nothing.
  server.addService(daprService(), { PublishEvent: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}) } as grpc.UntypedServiceImplementation);
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const httpServer = http.createServer(httpHandler(ops));
  httpServer.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  const addr = httpServer.address();
  if (!addr || typeof addr === "string") throw new Error("floor server: no HTTP port");
  announceToParent({ grpc: grpcPort, http: addr.port });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === SERVE_ARG) {
  serve(process.argv[3]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
