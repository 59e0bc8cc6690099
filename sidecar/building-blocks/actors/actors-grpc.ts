// The actors API on the `dapr.proto.runtime.v1.Dapr` service, mapped onto ActorsCore.
import { Errors } from "../../errors/catalog.js";
import { md, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { ActorsCore } from "./actors-core.js";
import type { ActorStateOp } from "./actor-state.js";
import type { StoredReminder } from "./reminders/reminder-store.js";

type Any = { type_url?: string; value?: Buffer } | null | undefined;

/** gRPC data is bytes; stored reminder and timer data is JSON when the bytes are JSON, else the bytes in base64. */
function dataFromBytes(b: Buffer | undefined): unknown {
  if (!b || b.length === 0) return undefined;
  try {
    return JSON.parse(b.toString("utf8"));
  } catch {
    return b.toString("base64");
  }
}

function reminderMessage(r: StoredReminder) {
  return {
    actor_type: r.actorType,
    actor_id: r.actorID,
    due_time: r.dueTime ?? "",
    period: r.period ?? "",
    ttl: r.ttl ?? "",
    data: r.data === undefined ? null : { type_url: "", value: Buffer.from(JSON.stringify(r.data)) },
  };
}

export function actorsGrpcHandlers(core: ActorsCore): GrpcHandlers {
  return {
    // Actor SDKs speak JSON; a call without a content-type metadata entry is sent to the app as JSON.
    InvokeActor: unary(async (req: { actor_type: string; actor_id: string; method: string; data: Buffer; metadata: Record<string, string> }) => {
      const headers = Object.fromEntries(Object.entries(md(req.metadata)).map(([k, v]) => [k.toLowerCase(), v]));
      const res = await core.invoke({ type: req.actor_type, id: req.actor_id, method: req.method, body: req.data ?? Buffer.alloc(0), headers, contentType: headers["content-type"] ?? "application/json" });
      if (res.status >= 400) throw Errors.actorInvokeMethod(`the app answered ${res.status}: ${res.body.toString("utf8").slice(0, 200)}`);
      return { data: res.body };
    }),
    GetActorState: unary(async (req: { actor_type: string; actor_id: string; key: string }) => {
      const v = await core.getState(req.actor_type, req.actor_id, req.key);
      return { data: v?.data ?? Buffer.alloc(0), metadata: v?.metadata ?? {} };
    }),
    ExecuteActorStateTransaction: unary(async (req: { actor_type: string; actor_id: string; operations: { operationType: string; key: string; value: Any; metadata: Record<string, string> }[] }) => {
      const ops: ActorStateOp[] = (req.operations ?? []).map((o) => ({
        operation: o.operationType as ActorStateOp["operation"],
        key: o.key,
        value: o.value?.value ?? undefined,
        metadata: md(o.metadata),
      }));
      await core.transaction(req.actor_type, req.actor_id, ops);
      return {};
    }),
    RegisterActorTimer: unary(async (req: { actor_type: string; actor_id: string; name: string; due_time: string; period: string; callback: string; data: Buffer; ttl: string }) => {
      await core.createTimer(req.actor_type, req.actor_id, req.name, {
        dueTime: req.due_time || undefined, period: req.period || undefined, ttl: req.ttl || undefined, callback: req.callback, data: dataFromBytes(req.data),
      });
      return {};
    }),
    UnregisterActorTimer: unary(async (req: { actor_type: string; actor_id: string; name: string }) => {
      await core.deleteTimer(req.actor_type, req.actor_id, req.name);
      return {};
    }),
    RegisterActorReminder: unary(async (req: { actor_type: string; actor_id: string; name: string; due_time: string; period: string; data: Buffer; ttl: string; overwrite?: boolean }) => {
      await core.createReminder(req.actor_type, req.actor_id, req.name, {
        dueTime: req.due_time || undefined, period: req.period || undefined, ttl: req.ttl || undefined, data: dataFromBytes(req.data),
      }, req.overwrite === true);
      return {};
    }),
    UnregisterActorReminder: unary(async (req: { actor_type: string; actor_id: string; name: string }) => {
      await core.deleteReminder(req.actor_type, req.actor_id, req.name);
      return {};
    }),
    GetActorReminder: unary(async (req: { actor_type: string; actor_id: string; name: string }) => {
      return reminderMessage(await core.getReminder(req.actor_type, req.actor_id, req.name));
    }),
    ListActorReminders: unary(async (req: { actor_type: string; actor_id?: string }) => {
      const list = await core.listReminders(req.actor_type, req.actor_id || undefined);
      return { reminders: list.map((r) => ({ name: r.name, reminder: reminderMessage(r) })) };
    }),
    UnregisterActorRemindersByType: unary(async (req: { actor_type: string; actor_id?: string }) => {
      await core.deleteRemindersByType(req.actor_type, req.actor_id || undefined);
      return {};
    }),
  };
}
