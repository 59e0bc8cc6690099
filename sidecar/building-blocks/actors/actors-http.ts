// The actors API over HTTP (`/v1.0/actors/...`), mapped onto ActorsCore.
import type { Request, Response, Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { jsonBody, param, rawBody, route } from "../../api/http/http-helpers.js";
import { errorResponseHeader, type ActorCall } from "./actor-call.js";
import type { ActorsCore } from "./actors-core.js";
import type { ActorStateOp } from "./actor-state.js";
import { reminderView } from "./reminders/reminder-service.js";

const base = "/v1.0/actors/:type/:id";
// Never passed to the app: connection-level headers and the caller's API token.
const dropped = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "dapr-api-token", "expect"]);

function callHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || dropped.has(k)) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function objectBody(req: Request): Record<string, unknown> {
  if (rawBody(req).length === 0) return {};
  const b = jsonBody(req);
  if (!b || typeof b !== "object" || Array.isArray(b)) throw Errors.malformedRequest("body must be a JSON object");
  return b as Record<string, unknown>;
}

function optString(b: Record<string, unknown>, field: string): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw Errors.malformedRequest(`${field} must be a string`);
  return v;
}

export function registerActorsHttp(r: Router, core: ActorsCore): void {
  const invoke = route(async (req: Request, res: Response) => {
    const headers = callHeaders(req);
    const call: ActorCall = {
      type: param(req, "type"), id: param(req, "id"), method: param(req, "method"),
      body: rawBody(req), contentType: headers["content-type"], headers,
    };
    const out = await core.invoke(call);
    if (out.contentType) res.setHeader("content-type", out.contentType);
    if (out.headers[errorResponseHeader]) {
      // The app flagged an actor error: daprd answers 500 with the app's body.
      res.setHeader("X-DaprErrorResponseHeader", out.headers[errorResponseHeader]!);
      res.status(500).end(out.body);
      return;
    }
    res.status(out.status).end(out.body);
  });
  r.all(`${base}/method/*method`, invoke);

  const transaction = route(async (req, res) => {
    const body = jsonBody(req);
    if (!Array.isArray(body)) throw Errors.malformedRequest("the state transaction must be a JSON array");
    const ops: ActorStateOp[] = body.map((raw: unknown) => {
      const o = (raw ?? {}) as { operation?: unknown; request?: { key?: unknown; value?: unknown; metadata?: unknown } };
      const key = o.request?.key;
      if (typeof key !== "string") throw Errors.malformedRequest("each operation needs request.key as a string");
      const metadata = (o.request?.metadata && typeof o.request.metadata === "object" ? o.request.metadata : {}) as Record<string, string>;
      return {
        operation: o.operation as ActorStateOp["operation"],
        key,
        value: o.request?.value === undefined ? undefined : Buffer.from(JSON.stringify(o.request.value)),
        metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])),
      };
    });
    await core.transaction(param(req, "type"), param(req, "id"), ops);
    res.status(204).end();
  });
  r.post(`${base}/state`, transaction);
  r.put(`${base}/state`, transaction);

  r.get(`${base}/state/:key`, route(async (req, res) => {
    const v = await core.getState(param(req, "type"), param(req, "id"), param(req, "key"));
    if (!v || v.data.length === 0) {
      res.status(204).end();
      return;
    }
    const expires = v.metadata?.["ttlExpireTime"];
    if (expires) res.setHeader("metadata.ttlExpireTime", expires);
    res.status(200).type("application/json").end(v.data);
  }));

  const createReminder = route(async (req, res) => {
    const b = objectBody(req);
    await core.createReminder(param(req, "type"), param(req, "id"), param(req, "name"), {
      dueTime: optString(b, "dueTime"), period: optString(b, "period"), ttl: optString(b, "ttl"), data: b["data"],
    }, b["overwrite"] === true);
    res.status(204).end();
  });
  r.post(`${base}/reminders/:name`, createReminder);
  r.put(`${base}/reminders/:name`, createReminder);
  r.get(`${base}/reminders/:name`, route(async (req, res) => {
    res.status(200).json(reminderView(await core.getReminder(param(req, "type"), param(req, "id"), param(req, "name"))));
  }));
  r.delete(`${base}/reminders/:name`, route(async (req, res) => {
    await core.deleteReminder(param(req, "type"), param(req, "id"), param(req, "name"));
    res.status(204).end();
  }));

  const createTimer = route(async (req, res) => {
    const b = objectBody(req);
    await core.createTimer(param(req, "type"), param(req, "id"), param(req, "name"), {
      dueTime: optString(b, "dueTime"), period: optString(b, "period"), ttl: optString(b, "ttl"), callback: optString(b, "callback"), data: b["data"],
    });
    res.status(204).end();
  });
  r.post(`${base}/timers/:name`, createTimer);
  r.put(`${base}/timers/:name`, createTimer);
  r.delete(`${base}/timers/:name`, route(async (req, res) => {
    await core.deleteTimer(param(req, "type"), param(req, "id"), param(req, "name"));
    res.status(204).end();
  }));
}
