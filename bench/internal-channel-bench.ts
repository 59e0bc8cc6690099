// The sidecar-to-sidecar hop in isolation: the same grpc-js server (as every
// sidecar's internal port) called through a grpc-js client and through the lean
// HTTP/2 channel (sidecar/api/grpc/h2/), unary and bidi, 1 KiB messages, 16 in
// flight. Prints CPU per call (client and server share this process) and the
// ratio, alternating rounds so a noisy machine hits both sides alike. No target
// of its own: it explains a part of the invocation numbers.
//
// Beside them, the framed hop two dapr-ts sidecars use on the same port
// (sidecar/building-blocks/invoke/call-local-frames-*.ts): one CallLocalStream
// message each way (a 1 KiB payload), with no HTTP/2 around it.
import * as grpc from "@grpc/grpc-js";
import { H2GrpcChannel } from "../sidecar/api/grpc/h2/grpc-channel.js";
import { acceptFrames } from "../sidecar/api/grpc/internal-frames.js";
import { FramesChannel } from "../sidecar/building-blocks/invoke/call-local-frames-client.js";
import { FramesConnections } from "../sidecar/building-blocks/invoke/call-local-frames-server.js";
import { encodeRequestFrame } from "../sidecar/building-blocks/invoke/call-local-stream-codec.js";
import { closedLoop, formatChecks, type Check } from "./bench-stats.js";

const identity = (b: Buffer) => b;
const method = (name: string, stream: boolean) => ({
  path: `/bench.Hop/${name}`, requestStream: stream, responseStream: stream,
  requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
});
const service = { Unary: method("Unary", false), Bidi: method("Bidi", true) };

async function cpuPerCall(call: () => Promise<unknown>): Promise<{ cpuMs: number; throughput: number }> {
  const before = process.cpuUsage();
  const r = await closedLoop(call, 16, 1500);
  const used = process.cpuUsage(before);
  return { cpuMs: (used.user + used.system) / 1000 / r.latenciesMs.length, throughput: r.throughput };
}

export async function runInternalChannelBench(): Promise<{ report: string; checks: Check[] }> {
  const server = new grpc.Server();
  server.addService(service, {
    Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request),
    Bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on("data", (d: Buffer) => call.write(d));
      call.on("end", () => call.end());
    },
  });
  // The framed side echoes each request's payload in one response message.
  const framed = new FramesConnections((call) => {
    let data: Buffer = Buffer.alloc(0);
    call.listen({ message: (m) => void (m.payload && (data = m.payload.data)), end: () => call.end({ payload: { data, seq: 0 } }), close: () => {} });
  });
  acceptFrames(server, (socket) => framed.take(socket));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const Client = grpc.makeGenericClientConstructor(service, "Hop");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  const channel = new H2GrpcChannel(`127.0.0.1:${port}`);
  const frames = new FramesChannel("127.0.0.1", port);
  const body = Buffer.alloc(1024, 1);
  const paths = {
    "grpc-js unary": () => new Promise((res, rej) => client["Unary"]!(body, (e: Error | null, r: Buffer) => (e ? rej(e) : res(r)))),
    "lean unary": () => channel.unary("/bench.Hop/Unary", body),
    "grpc-js bidi": () => new Promise((res, rej) => {
      const s = client["Bidi"]!() as grpc.ClientDuplexStream<Buffer, Buffer>;
      s.on("data", () => {});
      s.on("error", rej);
      s.on("status", res);
      s.end(body);
    }),
    "lean bidi": async () => {
      const c = channel.start("/bench.Hop/Bidi");
      c.end(body);
      while ((await c.next()) !== undefined);
    },
    "framed": async () => {
      const c = frames.start();
      c.endWithFrame(encodeRequestFrame(undefined, { data: body, seq: 0 }));
      while ((await c.next()) !== undefined);
    },
  };
  const cpu: Record<string, number[]> = {};
  try {
    for (const f of Object.values(paths)) await closedLoop(f, 16, 300);
    for (let round = 0; round < 3; round++) {
      for (const [name, f] of Object.entries(paths)) (cpu[name] ??= []).push((await cpuPerCall(f)).cpuMs);
    }
  } finally {
    channel.close();
    frames.close();
    client.close();
    server.forceShutdown();
    await framed.close(0);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, med(v)]));
  const lines = Object.entries(m).map(([k, v]) => `${k.padEnd(14)} CPU per call (client + server) ${v.toFixed(3)} ms`);
  lines.push(`lean / grpc-js CPU: unary ${(m["lean unary"]! / m["grpc-js unary"]!).toFixed(2)}, bidi ${(m["lean bidi"]! / m["grpc-js bidi"]!).toFixed(2)}; framed / lean bidi ${(m["framed"]! / m["lean bidi"]!).toFixed(2)}`);
  return { report: formatChecks("sidecar-to-sidecar channel (same grpc-js server)", lines, []), checks: [] };
}
