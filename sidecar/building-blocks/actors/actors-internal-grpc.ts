// Sidecar-to-sidecar actor calls over `dapr.proto.internals.v1.ServiceInvocation/CallActor`
// on the internal port: the server side (run here if placement agrees) and a
// client to other sidecars. A routing refusal travels as UNAVAILABLE, which the
// caller treats like an unreachable host: look the actor up again and retry.
import * as grpc from "@grpc/grpc-js";
import { DaprError, Errors } from "../../errors/catalog.js";
import { unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import { daprProto, lookup } from "../../api/grpc/protos.js";
import { RetryRoutingError, type ActorCall, type ActorResponse } from "./actor-call.js";

type ListStringValue = { values: string[] };

interface InternalInvokeRequest {
  metadata?: Record<string, ListStringValue>;
  message?: { method?: string; data?: { type_url?: string; value?: Buffer }; content_type?: string };
  actor?: { actor_type?: string; actor_id?: string };
}

interface InternalInvokeResponse {
  status?: { code?: number; message?: string };
  headers?: Record<string, ListStringValue>;
  message?: { data?: { type_url?: string; value?: Buffer }; content_type?: string };
}

function toList(h: Record<string, string>): Record<string, ListStringValue> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, { values: [v] }]));
}

function fromList(m: Record<string, ListStringValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) if (v?.values?.length) out[k.toLowerCase()] = v.values.join(", ");
  return out;
}

/** The CallActor handler: `runHere` must throw RetryRoutingError when this host is not the owner. */
export function actorsInternalGrpcHandlers(runHere: (call: ActorCall) => Promise<ActorResponse>): GrpcHandlers {
  return {
    CallActor: unary<InternalInvokeRequest, InternalInvokeResponse>(async (req) => {
      const call: ActorCall = {
        type: req.actor?.actor_type ?? "",
        id: req.actor?.actor_id ?? "",
        method: req.message?.method ?? "",
        body: req.message?.data?.value ?? Buffer.alloc(0),
        contentType: req.message?.content_type || undefined,
        headers: fromList(req.metadata),
      };
      if (!call.type || !call.id || !call.method) throw Errors.malformedRequest("CallActor needs actor type, id and method");
      try {
        const res = await runHere(call);
        return {
          status: { code: res.status, message: "" },
          headers: toList(res.headers),
          message: { data: { type_url: "", value: res.body }, content_type: res.contentType ?? "" },
        };
      } catch (err) {
        if (err instanceof RetryRoutingError) throw new DaprError("ERR_ACTOR_INSTANCE_MISSING", err.message, 400, grpc.status.UNAVAILABLE);
        throw err;
      }
    }),
  };
}

type ClientCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ClientOptions) => grpc.Client & {
  CallActor(req: InternalInvokeRequest, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: InternalInvokeResponse) => void): void;
};

/** Clients to other sidecars' internal ports, one channel per address. */
export class InternalActorClient {
  private readonly clients = new Map<string, InstanceType<ClientCtor>>();
  private readonly Ctor = lookup<ClientCtor>(daprProto(), "dapr.proto.internals.v1.ServiceInvocation");

  call(address: string, call: ActorCall): Promise<ActorResponse> {
    let client = this.clients.get(address);
    if (!client) {
      client = new this.Ctor(address, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 });
      this.clients.set(address, client);
    }
    const req: InternalInvokeRequest = {
      metadata: toList(call.headers),
      message: { method: call.method, data: { type_url: "", value: call.body }, content_type: call.contentType ?? "" },
      actor: { actor_type: call.type, actor_id: call.id },
    };
    return new Promise((resolve, reject) => {
      client!.CallActor(req, new grpc.Metadata(), {}, (err, res) => {
        if (err) {
          // UNAVAILABLE: the host refused (not the owner) or could not be reached; route again.
          if (err.code === grpc.status.UNAVAILABLE) return reject(new RetryRoutingError(`actor host ${address}: ${err.details || err.message}`));
          return reject(new DaprError("ERR_ACTOR_INVOKE_METHOD", err.details || err.message, err.code === grpc.status.INVALID_ARGUMENT ? 400 : 500, err.code));
        }
        resolve({
          status: res.status?.code ?? 200,
          headers: fromList(res.headers),
          body: res.message?.data?.value ?? Buffer.alloc(0),
          contentType: res.message?.content_type || undefined,
        });
      });
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
