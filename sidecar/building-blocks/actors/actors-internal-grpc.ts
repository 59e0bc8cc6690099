// Sidecar-to-sidecar actor calls on the internal port
// (`dapr.proto.internals.v1.ServiceInvocation`): CallActor (a method call) and
// CallActorReminder (a reminder firing forwarded to the actor's owner), the
// server side (run here if placement agrees, never forwarded again) and a
// client to other sidecars. A routing refusal travels as UNAVAILABLE, which the
// caller treats like an unreachable host: look the actor up again and retry.
import * as grpc from "@grpc/grpc-js";
import { DaprError, Errors } from "../../errors/catalog.js";
import { toServiceError, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import { InternalClients } from "../invoke/internal-client.js";
import { RetryRoutingError, type ActorCall, type ActorResponse } from "./actor-call.js";
import { fromReminderMessage, reminderCanceledMessage, toReminderMessage, type ReminderMessage } from "./reminder-message.js";
import { FiringFailedError, type FiringOutcome, type ReminderFiring } from "./reminders/reminder-firing.js";

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

/** What the internal handlers run on: both throw RetryRoutingError when this host is not the actor's owner. */
export interface InternalActorTarget {
  runHere(call: ActorCall): Promise<ActorResponse>;
  /** Runs a forwarded firing on this host; rejects with FiringFailedError when the app refused it. */
  runReminderHere(f: ReminderFiring): Promise<FiringOutcome>;
}

/** Dapr streams (CallActorStream) only out of its built-in workflow actors; app actors answer unary. */
const streamUnsupported = "CallActorStream (Dapr uses it only to stream from its built-in workflow actors, which dapr-ts does not run as actors; app-hosted actors have no streaming calls)";

export function actorsInternalGrpcHandlers(target: InternalActorTarget): GrpcHandlers {
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
        const res = await target.runHere(call);
        return {
          status: { code: res.status, message: "" },
          headers: toList(res.headers),
          message: { data: { type_url: "", value: res.body }, content_type: res.contentType ?? "" },
        };
      } catch (err) {
        throw routingRefusal(err);
      }
    }),
    CallActorReminder: unary<ReminderMessage, Record<string, never>>(async (req) => {
      const firing = fromReminderMessage(req);
      if (!firing.type || !firing.id || !firing.name) throw Errors.malformedRequest("CallActorReminder needs actor type, id and reminder name");
      let outcome: FiringOutcome;
      try {
        outcome = await target.runReminderHere(firing);
      } catch (err) {
        // Dapr sends an app failure as a plain error (UNKNOWN) with the app's answer in the text.
        if (err instanceof FiringFailedError) throw new DaprError("ERR_ACTOR_INVOKE_METHOD", err.message, 500, grpc.status.UNKNOWN);
        throw routingRefusal(err);
      }
      if (outcome === "cancelled") throw new DaprError("ERR_ACTOR_INVOKE_METHOD", reminderCanceledMessage, 500, grpc.status.UNKNOWN);
      return {};
    }),
    CallActorStream: ((call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.emit("error", toServiceError(Errors.notImplemented(streamUnsupported)));
    }) as grpc.UntypedHandleCall,
  };
}

function routingRefusal(err: unknown): unknown {
  return err instanceof RetryRoutingError ? new DaprError("ERR_ACTOR_INSTANCE_MISSING", err.message, 400, grpc.status.UNAVAILABLE) : err;
}

/** Clients to other sidecars' internal ports, one (lean HTTP/2) channel per address. */
export class InternalActorClient {
  private readonly clients = new InternalClients();

  async call(address: string, call: ActorCall): Promise<ActorResponse> {
    const req: InternalInvokeRequest = {
      metadata: toList(call.headers),
      message: { method: call.method, data: { type_url: "", value: call.body }, content_type: call.contentType ?? "" },
      actor: { actor_type: call.type, actor_id: call.id },
    };
    let res: InternalInvokeResponse;
    try {
      res = await this.clients.unary<InternalInvokeResponse>(address, "CallActor", req);
    } catch (e) {
      const err = e as grpc.ServiceError;
      // UNAVAILABLE: the host refused (not the owner) or could not be reached; route again.
      if (err.code === grpc.status.UNAVAILABLE) throw new RetryRoutingError(`actor host ${address}: ${err.details || err.message}`);
      throw new DaprError("ERR_ACTOR_INVOKE_METHOD", err.details || err.message, err.code === grpc.status.INVALID_ARGUMENT ? 400 : 500, err.code);
    }
    return {
      status: res.status?.code ?? 200,
      headers: fromList(res.headers),
      body: res.message?.data?.value ?? Buffer.alloc(0),
      contentType: res.message?.content_type || undefined,
    };
  }

  /** Forwards a firing to the actor's owner; resolves how the app answered it. */
  async callReminder(address: string, f: ReminderFiring): Promise<FiringOutcome> {
    try {
      await this.clients.unary(address, "CallActorReminder", toReminderMessage(f));
      return "done";
    } catch (e) {
      const err = e as grpc.ServiceError;
      if (err.code === grpc.status.UNAVAILABLE) throw new RetryRoutingError(`actor host ${address}: ${err.details || err.message}`);
      if (err.details === reminderCanceledMessage) return "cancelled";
      throw new Error(`actor host ${address}: ${err.details || err.message}`);
    }
  }

  close(): void {
    this.clients.close();
  }
}
