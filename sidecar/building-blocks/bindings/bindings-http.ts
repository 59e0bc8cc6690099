// HTTP adapter of output bindings: POST|PUT /v1.0/bindings/{name} with
// `{data, metadata, operation}`; 200 with the answer's data or 204 without,
// the answer's metadata as `metadata.*` headers.
import type { Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { jsonBody, param, route } from "../../api/http/http-helpers.js";
import type { BindingsCore, OutputBindingRequest } from "./bindings-core.js";

export function registerBindingsHttp(r: Router, core: BindingsCore): void {
  const handler = route(async (req, res) => {
    const out = await core.invoke(parseOutputBindingBody(param(req, "name"), jsonBody(req)));
    for (const [k, v] of Object.entries(out.metadata ?? {})) {
      if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) && !/[\r\n\0]/.test(v)) res.setHeader(`metadata.${k}`, v);
    }
    if (!out.data || out.data.length === 0) {
      res.status(204).end();
      return;
    }
    res.status(200).type(out.contentType || "application/json").send(out.data);
  });
  r.post("/v1.0/bindings/:name", handler);
  r.put("/v1.0/bindings/:name", handler);
}

/** Reads Dapr's request body; a string `data` is sent as its text, anything else as JSON. */
export function parseOutputBindingBody(name: string, body: unknown): OutputBindingRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw Errors.malformedRequest("the body must be a JSON object");
  const b = body as { data?: unknown; metadata?: unknown; operation?: unknown };
  if (b.operation !== undefined && typeof b.operation !== "string") throw Errors.malformedRequest("operation must be a string");
  const metadata: Record<string, string> = {};
  if (b.metadata !== undefined && b.metadata !== null) {
    if (typeof b.metadata !== "object" || Array.isArray(b.metadata)) throw Errors.malformedRequest("metadata must be an object of strings");
    for (const [k, v] of Object.entries(b.metadata)) {
      if (typeof v !== "string") throw Errors.malformedRequest(`metadata.${k} must be a string`);
      metadata[k] = v;
    }
  }
  const data = b.data === undefined || b.data === null ? Buffer.alloc(0) : Buffer.from(typeof b.data === "string" ? b.data : JSON.stringify(b.data), "utf8");
  return { name, operation: b.operation ?? "", data, metadata };
}
