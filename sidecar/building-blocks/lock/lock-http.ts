// HTTP adapter of the lock API: POST /v1.0-alpha1/lock/{store} and /unlock/{store}.
import type { Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { jsonBody, param, route } from "../../api/http/http-helpers.js";
import type { LockCore } from "./lock-core.js";

export function registerLockHttp(r: Router, core: LockCore): void {
  r.post("/v1.0-alpha1/lock/:store", route(async (req, res) => {
    const b = bodyObject(jsonBody(req));
    const result = await core.tryLock({
      storeName: param(req, "store"),
      resourceId: stringField(b, "resourceId"),
      lockOwner: stringField(b, "lockOwner"),
      expiryInSeconds: numberField(b, "expiryInSeconds"),
    });
    res.status(200).json({ success: result.success });
  }));
  r.post("/v1.0-alpha1/unlock/:store", route(async (req, res) => {
    const b = bodyObject(jsonBody(req));
    const result = await core.unlock({ storeName: param(req, "store"), resourceId: stringField(b, "resourceId"), lockOwner: stringField(b, "lockOwner") });
    // The SDK reads the status as a number (0..3), as Dapr sends it.
    res.status(200).json({ status: result.status });
  }));
}

function bodyObject(v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw Errors.malformedRequest("the body must be a JSON object");
  return v as Record<string, unknown>;
}

function stringField(b: Record<string, unknown>, name: string): string {
  const v = b[name];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw Errors.malformedRequest(`${name} must be a string`);
  return v;
}

/** Absent means 0 (then refused as not positive); a non-integer is malformed, as protojson decoding refuses it. */
function numberField(b: Record<string, unknown>, name: string): number {
  const v = b[name];
  if (v === undefined || v === null) return 0;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) throw Errors.malformedRequest(`${name} must be an integer`);
  return n;
}
