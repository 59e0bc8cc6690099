// gRPC adapter of publishing: PublishEvent and the bulk publish RPCs.
import { md, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { PubSubCore } from "./pubsub-core.js";

interface BulkReq {
  pubsub_name: string;
  topic: string;
  entries: { entry_id: string; event: Buffer; content_type: string; metadata: Record<string, string> }[];
  metadata: Record<string, string>;
}

export function pubsubGrpcHandlers(core: PubSubCore): GrpcHandlers {
  const bulk = unary(async (req: BulkReq, call) => {
    const failed = await core.bulkPublish({
      pubsubName: req.pubsub_name,
      topic: req.topic,
      metadata: md(req.metadata),
      traceparent: String(call.metadata.get("traceparent")[0] ?? "") || undefined,
      entries: req.entries.map((e) => ({ entryId: e.entry_id, event: e.event, contentType: e.content_type || "application/json", metadata: md(e.metadata) })),
    });
    return { failedEntries: failed.map((f) => ({ entry_id: f.entryId, error: f.error })) };
  });
  return {
    PublishEvent: unary(async (req: { pubsub_name: string; topic: string; data: Buffer; data_content_type: string; metadata: Record<string, string> }, call) => {
      await core.publish({
        pubsubName: req.pubsub_name,
        topic: req.topic,
        data: req.data,
        contentType: req.data_content_type || undefined,
        metadata: md(req.metadata),
        traceparent: String(call.metadata.get("traceparent")[0] ?? "") || undefined,
        tracestate: String(call.metadata.get("tracestate")[0] ?? "") || undefined,
      });
      return {};
    }),
    BulkPublishEvent: bulk,
    BulkPublishEventAlpha1: bulk,
  };
}
