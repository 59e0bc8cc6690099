// The app channel: how the sidecar calls into its own app, over HTTP or gRPC.
// Building blocks speak to this interface only; the two implementations carry
// Dapr's app callback contract (HTTP routes or the AppCallback services).
import type { Readable } from "node:stream";
import type { CallOptions, ClientDuplexStream, Metadata } from "@grpc/grpc-js";
import type { CloudEvent } from "../building-blocks/pubsub/cloudevent.js";

/** A subscription as the app declares it (GET /dapr/subscribe or ListTopicSubscriptions). */
export interface AppSubscription {
  pubsubname: string;
  topic: string;
  metadata?: Record<string, string>;
  route?: string;
  routes?: { rules?: { match: string; path: string }[]; default?: string };
  deadLetterTopic?: string;
  bulkSubscribe?: { enabled: boolean; maxMessagesCount?: number; maxAwaitDurationMs?: number };
}

export type DeliveryStatus = "SUCCESS" | "RETRY" | "DROP";

export interface TopicEventDelivery {
  /** The route chosen by the subscription's rules, e.g. "/orders". */
  path: string;
  event: CloudEvent;
  pubsubName: string;
  topic: string;
}

export interface BulkEntry {
  entryId: string;
  event: CloudEvent | Buffer;
  contentType: string;
  metadata: Record<string, string>;
}

export interface BulkDelivery {
  path: string;
  pubsubName: string;
  topic: string;
  entries: BulkEntry[];
  metadata: Record<string, string>;
}

/** A call into the app for service invocation. */
export interface AppInvokeRequest {
  method: string;
  verb: string;
  /** Raw query string without '?'. */
  query: string;
  headers: Record<string, string>;
  body: Buffer;
  contentType?: string;
}

export interface AppInvokeResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  contentType?: string;
}

/** A streamed call into the app: the body flows through, never held whole. */
export interface AppStreamRequest extends Omit<AppInvokeRequest, "body"> {
  /** A stream, or a small body already whole; undefined means "no body" (e.g. a GET). */
  body: Readable | Buffer | undefined;
}

export interface AppStreamResponse extends Omit<AppInvokeResponse, "body"> {
  /**
   * A small answer of announced length may come whole; a stream must be read to the end or
   * destroyed: it holds the app connection (and a concurrency slot).
   */
  body: Readable | Buffer;
}

/** One input binding event for the app (HTTP: POST /<route>; gRPC: OnBindingEvent). */
export interface BindingEventDelivery {
  name: string;
  /** The HTTP route: the binding's `route` metadata, else its name. */
  route: string;
  data: Buffer;
  metadata: Record<string, string>;
}

/** The app's optional answer to a binding event: state to save and output bindings to call. */
export interface BindingEventReply {
  storeName?: string;
  states: { key: string; value: Buffer; etag?: string; metadata: Record<string, string> }[];
  to: string[];
  concurrency: "sequential" | "parallel";
  data?: Buffer;
}

export interface AppChannel {
  readonly protocol: "http" | "grpc";
  listSubscriptions(): Promise<AppSubscription[]>;
  /** The app's verdict for one event. Rejects when the app could not be reached (counts as RETRY). */
  deliverTopicEvent(d: TopicEventDelivery): Promise<DeliveryStatus>;
  /** Per-entry verdicts for a bulk delivery; entries missing from the answer count as RETRY. */
  deliverBulkTopicEvent(d: BulkDelivery): Promise<Record<string, DeliveryStatus>>;
  invoke(req: AppInvokeRequest): Promise<AppInvokeResponse>;
  /**
   * Service invocation with streamed bodies (resolves once the app's status and
   * headers are in). Optional: channels without it are called with buffered bodies.
   */
  streamInvoke?(req: AppStreamRequest): Promise<AppStreamResponse>;
  /**
   * A call of any method of the app's own gRPC services, messages as raw bytes
   * (gRPC proxying). gRPC channels only; `dapr-api-token` is set to APP_API_TOKEN.
   */
  openGrpcStream?(path: string, metadata: Metadata, options: CallOptions): ClientDuplexStream<Buffer, Buffer>;
  /** The input bindings among `candidates` the app takes (HTTP: OPTIONS /<route> answers 2xx or 405; gRPC: ListInputBindings). */
  listInputBindings(candidates: { name: string; route: string }[]): Promise<string[]>;
  /** Delivers one input binding event; rejects when the app refuses it (HTTP non-2xx, gRPC error). */
  deliverBindingEvent(d: BindingEventDelivery): Promise<BindingEventReply>;
  /** One health probe: true when the app answers healthy. */
  healthProbe(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown when the app's answer means "drop" in a way Dapr logs as an error (HTTP 404, gRPC UNIMPLEMENTED). */
export class AppDropError extends Error {}
