// HTTP adapter of publishing: /v1.0/publish and the bulk publish routes.
import type { Request, Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { jsonBody, metadataFromQuery, param, rawBody, route } from "../../api/http/http-helpers.js";
import { isJsonContentType } from "./cloudevent.js";
import type { PubSubCore } from "./pubsub-core.js";

export function registerPubSubHttp(router: Router, core: PubSubCore): void {
  const publish = route(async (req, res) => {
    await core.publish({
      pubsubName: param(req, "pubsub"),
      topic: param(req, "topic"),
      data: rawBody(req),
      contentType: req.header("content-type") || undefined,
      metadata: metadataFromQuery(req),
      ...trace(req),
    });
    res.status(204).end();
  });
  const bulk = route(async (req, res) => {
    const body = jsonBody(req);
    if (!Array.isArray(body)) throw Errors.pubsubBulkEntries("expected a JSON array of entries");
    const entries = body.map((raw, i) => {
      if (typeof raw !== "object" || raw === null) throw Errors.pubsubBulkEntries(`entry ${i} is not an object`);
      const e = goJsonFields(raw as Record<string, unknown>, ["entryId", "event", "contentType", "metadata"]);
      if (typeof e.entryId !== "string" || !e.entryId) throw Errors.pubsubBulkEntries(`entry ${i} has no entryId`);
      if (e.event === undefined) throw Errors.pubsubBulkEntries(`entry ${e.entryId} has no event`);
      const contentType = typeof e.contentType === "string" && e.contentType ? e.contentType : "application/json";
      const event = typeof e.event === "string" && !isJsonContentType(contentType) ? Buffer.from(e.event) : Buffer.from(JSON.stringify(e.event));
      const metadata = typeof e.metadata === "object" && e.metadata !== null ? (e.metadata as Record<string, string>) : {};
      return { entryId: e.entryId, event, contentType, metadata };
    });
    const failed = await core.bulkPublish({ pubsubName: param(req, "pubsub"), topic: param(req, "topic"), entries, metadata: metadataFromQuery(req), ...trace(req) });
    if (failed.length === 0) return void res.status(204).end();
    res.status(500).json({ failedEntries: failed, errorCode: "ERR_PUBSUB_PUBLISH_MESSAGE" });
  });
  for (const m of ["post", "put"] as const) {
    // Bulk first: `/v1.0/publish/bulk/...` would otherwise match a pubsub named "bulk".
    router[m]("/v1.0-alpha1/publish/bulk/:pubsub/*topic", bulk);
    router[m]("/v1.0/publish/bulk/:pubsub/*topic", bulk);
    router[m]("/v1.0/publish/:pubsub/*topic", publish);
  }
}

/**
 * Dapr decodes JSON with Go's encoding/json, which matches field names without
 * regard to case: the official JS SDK sends `entryID`, for example.
 */
function goJsonFields(obj: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const name = names.find((n) => n.toLowerCase() === k.toLowerCase());
    if (name && !(name in out)) out[name] = v;
  }
  return out;
}

function trace(req: Request): { traceparent?: string; tracestate?: string } {
  return { traceparent: req.header("traceparent") || undefined, tracestate: req.header("tracestate") || undefined };
}
