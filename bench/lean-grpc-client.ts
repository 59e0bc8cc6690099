// A minimal gRPC client for load generation: unary calls framed by hand over
// node:http2, one session per connection, used round robin. It does what a
// Go or C load tool (fortio, ghz, h2load; Dapr's performance tests use
// fortio) does per call and nothing more: one HEADERS frame, one DATA frame,
// read the DATA and the trailers. grpc-js, the client of the official SDK,
// spends several times as much per call (interceptors, call state machines,
// per-call timers), which on a shared 2-core machine shows up as latency of
// whatever is being measured; the benches print both.
//
// Requests and responses are raw protobuf bytes (the caller encodes them).
import http2 from "node:http2";
import net from "node:net";
import { FrameReader, frameMessage } from "../sidecar/api/grpc/h2/grpc-frames.js";

export interface LeanGrpcClient {
  /** One unary call; resolves with the response message's bytes, rejects on a non-OK grpc-status. */
  unary(path: string, message: Buffer): Promise<Buffer>;
  close(): void;
}

export function leanGrpcClient(host: string, port: number, connections: number): LeanGrpcClient {
  const sessions = Array.from({ length: connections }, () =>
    // Nagle off, as grpc-js and every gRPC implementation set it.
    http2.connect(`http://${host}:${port}`, { createConnection: () => net.connect({ host, port, noDelay: true }) }));
  for (const s of sessions) s.on("error", () => { /* surfaced by the calls on it */ });
  let next = 0;
  return {
    unary(path, message) {
      const session = sessions[next++ % sessions.length]!;
      return new Promise<Buffer>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
        const reader = new FrameReader();
        const messages: Buffer[] = [];
        let status: string | undefined;
        let statusMessage: string | undefined;
        stream.on("response", (headers) => {
          // A trailers-only answer carries grpc-status in its headers.
          if (headers["grpc-status"] !== undefined) [status, statusMessage] = [String(headers["grpc-status"]), String(headers["grpc-message"] ?? "")];
        });
        stream.on("trailers", (trailers) => {
          [status, statusMessage] = [String(trailers["grpc-status"]), String(trailers["grpc-message"] ?? "")];
        });
        stream.on("data", (c: Buffer) => messages.push(...reader.push(c)));
        stream.on("error", reject);
        stream.on("end", () => {
          if (status !== "0") return reject(new Error(`grpc-status ${status ?? "missing"}: ${decodeURIComponent(statusMessage ?? "")}`));
          if (messages.length !== 1) return reject(new Error(`expected one response message, got ${messages.length}`));
          resolve(messages[0]!);
        });
        stream.end(frameMessage(message));
      });
    },
    close() {
      for (const s of sessions) s.close();
    },
  };
}

/**
 * Protobuf wire encoding, enough for the benches' requests: strings and bytes
 * (and nested messages, encoded first) as length-delimited fields, numbers
 * (enums, ints >= 0) as varints.
 */
export function encodeFields(fields: Array<[field: number, value: string | Buffer | number]>): Buffer {
  const parts: Buffer[] = [];
  for (const [field, value] of fields) {
    if (typeof value === "number") {
      parts.push(varint(field << 3), varint(value));
      continue;
    }
    const bytes = typeof value === "string" ? Buffer.from(value) : value;
    parts.push(varint((field << 3) | 2), varint(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
