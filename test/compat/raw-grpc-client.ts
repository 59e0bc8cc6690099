// A raw grpc-js client for the Dapr service, built from the same .proto the
// sidecar loads: tests call any RPC by name (unary or streaming) and see the
// exact gRPC status, without an SDK in between.
import * as grpc from "@grpc/grpc-js";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";

export type DaprClient = grpc.Client & Record<string, any>;

export function daprClient(port: number): DaprClient {
  const Ctor = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as DaprClient;
}

export interface CallOutcome {
  code: grpc.status;
  details: string;
  response?: any;
}

/** Calls one unary RPC and resolves its outcome (an error is an outcome, not a rejection). */
export function unaryCall(client: DaprClient, rpc: string, request: object, metadata = new grpc.Metadata(), timeoutMs = 5_000): Promise<CallOutcome> {
  return new Promise((resolve) => {
    client[rpc](request, metadata, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, response: unknown) => {
      if (err) resolve({ code: err.code, details: err.details });
      else resolve({ code: grpc.status.OK, details: "", response });
    });
  });
}

/**
 * Calls any RPC of the service with an empty request and resolves its final
 * status. Streams are closed from our side at once; a stream the server keeps
 * open until the deadline counts as served (DEADLINE_EXCEEDED).
 */
export function probeRpc(client: DaprClient, rpc: string, def: grpc.MethodDefinition<any, any>, timeoutMs = 3_000): Promise<CallOutcome> {
  if (!def.requestStream && !def.responseStream) return unaryCall(client, rpc, {}, new grpc.Metadata(), timeoutMs);
  return new Promise((resolve) => {
    const opts = { deadline: Date.now() + timeoutMs };
    let call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>;
    if (def.requestStream) {
      const duplex = client[rpc](new grpc.Metadata(), opts) as grpc.ClientDuplexStream<unknown, unknown>;
      duplex.write({});
      duplex.end();
      call = duplex;
    } else {
      call = client[rpc]({}, new grpc.Metadata(), opts) as grpc.ClientReadableStream<unknown>;
    }
    call.on("data", () => {});
    call.on("error", () => {});
    call.on("status", (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
  });
}

/** Sends raw bytes as the request of a unary RPC (bad-message tests). */
export function rawUnary(port: number, rpc: string, bytes: Buffer, timeoutMs = 5_000): Promise<CallOutcome> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/dapr.proto.runtime.v1.Dapr/${rpc}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, response) => {
        client.close();
        if (err) resolve({ code: err.code, details: err.details });
        else resolve({ code: grpc.status.OK, details: "", response });
      },
    );
  });
}
