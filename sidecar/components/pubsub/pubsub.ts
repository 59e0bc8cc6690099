// The pub/sub component contract, modelled on components-contrib `pubsub.PubSub`:
// a small base (publish, subscribe) plus optional capabilities (bulk publish,
// bulk subscribe) detected at run time and announced by `features()`.
//
// Delivery contract: a component calls the handler once per message and acks
// the message only after the handler's promise resolves. A rejected promise is
// a nack: the component must deliver the message again later (at-least-once).
// `data` is whatever the runtime published (normally a CloudEvent JSON); the
// component never looks inside it.
import type { Component } from "../component.js";

/** Capabilities a component announces; spelled as Dapr spells them in the metadata API. */
export type PubSubFeature = "MESSAGE_TTL" | "SUBSCRIBE_WILDCARDS" | "BULK_PUBLISH" | "BULK_SUBSCRIBE";

export interface PublishRequest {
  topic: string;
  data: Buffer;
  /** Request metadata (`metadata.*` query params); e.g. `ttlInSeconds`, `rawPayload`. */
  metadata: Record<string, string>;
  contentType?: string;
}

export interface Message {
  topic: string;
  data: Buffer;
  metadata: Record<string, string>;
  contentType?: string;
}

export type MessageHandler = (msg: Message) => Promise<void>;

export interface SubscribeRequest {
  topic: string;
  /** Subscription metadata (from the Subscription resource or the app's /dapr/subscribe answer). */
  metadata: Record<string, string>;
}

/** A live subscription. `close()` stops delivery and waits for in-flight handlers; it never hangs. */
export interface Subscription {
  close(): Promise<void>;
}

export interface PubSub extends Component {
  features(): PubSubFeature[];
  publish(req: PublishRequest): Promise<void>;
  subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Subscription>;
}

// ---- bulk publish ----
export interface BulkMessageEntry {
  entryId: string;
  event: Buffer;
  contentType: string;
  metadata: Record<string, string>;
}

export interface BulkPublishRequest {
  topic: string;
  entries: BulkMessageEntry[];
  metadata: Record<string, string>;
}

export interface BulkPublishResponse {
  /** Entries that failed; an empty list means everything was published. */
  failedEntries: { entryId: string; error: string }[];
}

export interface BulkPublisher extends PubSub {
  bulkPublish(req: BulkPublishRequest): Promise<BulkPublishResponse>;
}

export function isBulkPublisher(p: PubSub): p is BulkPublisher {
  return typeof (p as Partial<BulkPublisher>).bulkPublish === "function";
}

/**
 * Bulk publish for any component: native when the component has it, else one
 * `publish` per entry (in parallel), collecting the failures as Dapr's
 * default bulk publisher does.
 */
export async function bulkPublish(p: PubSub, req: BulkPublishRequest): Promise<BulkPublishResponse> {
  if (isBulkPublisher(p)) return p.bulkPublish(req);
  const results = await Promise.allSettled(
    req.entries.map((e) =>
      p.publish({ topic: req.topic, data: e.event, contentType: e.contentType, metadata: { ...req.metadata, ...e.metadata } }),
    ),
  );
  const failedEntries: BulkPublishResponse["failedEntries"] = [];
  results.forEach((r, i) => {
    if (r.status === "rejected") {
      failedEntries.push({ entryId: req.entries[i]!.entryId, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
    }
  });
  return { failedEntries };
}

// ---- bulk subscribe ----
export interface BulkSubscribeConfig {
  maxMessagesCount: number;
  maxAwaitDurationMs: number;
}

export interface BulkMessage {
  topic: string;
  entries: BulkMessageEntry[];
  metadata: Record<string, string>;
}

/**
 * Resolves with the ids of the entries that failed (to be redelivered);
 * an empty list acks the whole batch. Rejecting nacks every entry.
 */
export type BulkMessageHandler = (msg: BulkMessage) => Promise<{ failedEntryIds: string[] }>;

export interface BulkSubscriber extends PubSub {
  bulkSubscribe(req: SubscribeRequest, config: BulkSubscribeConfig, handler: BulkMessageHandler): Promise<Subscription>;
}

export function isBulkSubscriber(p: PubSub): p is BulkSubscriber {
  return typeof (p as Partial<BulkSubscriber>).bulkSubscribe === "function";
}

/** Dapr's defaults for bulk subscribe (`pkg/runtime/pubsub/bulksubscriber.go`). */
export const defaultBulkSubscribeConfig: BulkSubscribeConfig = { maxMessagesCount: 100, maxAwaitDurationMs: 1000 };
