// The app channel over gRPC: the app serves Dapr's AppCallback,
// AppCallbackAlpha and AppCallbackHealthCheck services.
import * as grpc from "@grpc/grpc-js";
import { daprProto, lookup } from "../api/grpc/protos.js";
import { toStruct } from "../api/grpc/struct.js";
import { eventDataBytes, type CloudEvent } from "../building-blocks/pubsub/cloudevent.js";
import type { Logger } from "../log/logger.js";
import type {
  AppChannel,
  AppInvokeRequest,
  AppInvokeResponse,
  AppSubscription,
  BindingEventDelivery,
  BindingEventReply,
  BulkDelivery,
  DeliveryStatus,
  TopicEventDelivery,
} from "./app-channel.js";
import type { ConcurrencyLimiter } from "./concurrency-limiter.js";

export interface GrpcAppChannelOptions {
  host: string;
  port: number;
  tls: boolean;
  appApiToken?: string;
  limiter: ConcurrencyLimiter;
  logger: Logger;
}

type Client = grpc.Client & Record<string, Function>;

const ceCore = new Set(["id", "source", "type", "specversion", "datacontenttype", "data", "data_base64", "topic", "pubsubname"]);
// The verbs of common.v1.HTTPExtension.Verb.
const verbs = new Set(["NONE", "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

export class GrpcAppChannel implements AppChannel {
  readonly protocol = "grpc" as const;
  private readonly callback: Client;
  private readonly alpha: Client;
  private readonly health: Client;

  constructor(private readonly o: GrpcAppChannelOptions) {
    const pkg = daprProto();
    const creds = o.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    const target = `${o.host}:${o.port}`;
    const opts = { "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 };
    const make = (name: string) => new (lookup<grpc.ServiceClientConstructor>(pkg, `dapr.proto.runtime.v1.${name}`))(target, creds, opts) as unknown as Client;
    this.callback = make("AppCallback");
    this.alpha = make("AppCallbackAlpha");
    this.health = make("AppCallbackHealthCheck");
  }

  async listSubscriptions(): Promise<AppSubscription[]> {
    let res: { subscriptions: any[] };
    try {
      res = await this.call(this.callback, "ListTopicSubscriptions", {});
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.UNIMPLEMENTED) return [];
      throw err;
    }
    return (res.subscriptions ?? []).map((s) => ({
      pubsubname: s.pubsub_name,
      topic: s.topic,
      metadata: { ...(s.metadata ?? {}) },
      routes: s.routes ? { rules: s.routes.rules ?? [], default: s.routes.default || undefined } : undefined,
      deadLetterTopic: s.dead_letter_topic || undefined,
      bulkSubscribe: s.bulk_subscribe
        ? { enabled: s.bulk_subscribe.enabled, maxMessagesCount: s.bulk_subscribe.max_messages_count, maxAwaitDurationMs: s.bulk_subscribe.max_await_duration_ms }
        : undefined,
    }));
  }

  async deliverTopicEvent(d: TopicEventDelivery): Promise<DeliveryStatus> {
    const ev = d.event;
    const req = {
      id: ev.id, source: ev.source, type: ev.type, spec_version: ev.specversion,
      data_content_type: ev.datacontenttype ?? "", data: eventDataBytes(ev),
      topic: d.topic, pubsub_name: d.pubsubName, path: d.path, extensions: toStruct(extensionsOf(ev)),
    };
    try {
      const res: { status: string } = await this.call(this.callback, "OnTopicEvent", req);
      return (res.status as DeliveryStatus) || "SUCCESS";
    } catch (err) {
      // Dapr reads UNIMPLEMENTED as "this app does not take the event": drop it.
      if ((err as grpc.ServiceError).code === grpc.status.UNIMPLEMENTED) return "DROP";
      throw err;
    }
  }

  async deliverBulkTopicEvent(d: BulkDelivery): Promise<Record<string, DeliveryStatus>> {
    const req = {
      id: "", topic: d.topic, pubsub_name: d.pubsubName, path: d.path, type: "com.dapr.event.sent.bulk", metadata: d.metadata,
      entries: d.entries.map((e) => Buffer.isBuffer(e.event)
        ? { entry_id: e.entryId, bytes: e.event, content_type: e.contentType, metadata: e.metadata }
        : {
            entry_id: e.entryId, content_type: e.contentType, metadata: e.metadata,
            cloud_event: {
              id: e.event.id, source: e.event.source, type: e.event.type, spec_version: e.event.specversion,
              data_content_type: e.event.datacontenttype ?? "", data: eventDataBytes(e.event), extensions: toStruct(extensionsOf(e.event)),
            },
          }),
    };
    const out: Record<string, DeliveryStatus> = {};
    try {
      const res: { statuses: { entry_id: string; status: string }[] } = await this.call(this.alpha, "OnBulkTopicEventAlpha1", req);
      for (const s of res.statuses ?? []) out[s.entry_id] = (s.status as DeliveryStatus) || "SUCCESS";
    } catch (err) {
      const drop = (err as grpc.ServiceError).code === grpc.status.UNIMPLEMENTED;
      for (const e of d.entries) out[e.entryId] = drop ? "DROP" : "RETRY";
    }
    for (const e of d.entries) out[e.entryId] ??= "RETRY";
    return out;
  }

  async invoke(req: AppInvokeRequest): Promise<AppInvokeResponse> {
    const verb = verbs.has(req.verb.toUpperCase()) ? req.verb.toUpperCase() : "POST";
    const msg = {
      method: req.method.replace(/^\//, ""),
      data: { type_url: "", value: req.body },
      content_type: req.contentType ?? "",
      http_extension: { verb, querystring: req.query },
    };
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(req.headers)) if (isForwardableMetadata(k)) md.set(k, v);
    try {
      const res: { data: { value: Buffer } | null; content_type: string } = await this.call(this.callback, "OnInvoke", msg, md);
      return { status: 200, headers: {}, body: res.data?.value ?? Buffer.alloc(0), contentType: res.content_type || undefined };
    } catch (err) {
      const e = err as grpc.ServiceError;
      if (typeof e.code !== "number") throw err;
      return { status: grpcToHttp(e.code), headers: {}, body: Buffer.from(JSON.stringify({ code: e.code, message: e.details })), contentType: "application/json" };
    }
  }

  /**
   * gRPC proxying: one call of `path` on the app's own services, over the same
   * connection as the callbacks. Not counted against --app-max-concurrency (a
   * stream may live for hours); the app's token replaces whatever came in.
   */
  openGrpcStream(path: string, metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientDuplexStream<Buffer, Buffer> {
    if (this.o.appApiToken) metadata.set("dapr-api-token", this.o.appApiToken);
    else metadata.remove("dapr-api-token");
    return this.callback.makeBidiStreamRequest(path, rawBytes, rawBytes, metadata, options);
  }

  async listInputBindings(candidates: { name: string; route: string }[]): Promise<string[]> {
    let res: { bindings: string[] };
    try {
      res = await this.call(this.callback, "ListInputBindings", {});
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.UNIMPLEMENTED) return [];
      throw err;
    }
    const listed = new Set(res.bindings ?? []);
    return candidates.filter((c) => listed.has(c.name)).map((c) => c.name);
  }

  async deliverBindingEvent(d: BindingEventDelivery): Promise<BindingEventReply> {
    const res: {
      store_name: string;
      states: { key: string; value: Buffer; etag: { value: string } | null; metadata: Record<string, string> }[];
      to: string[];
      data: Buffer;
      concurrency: string;
    } = await this.call(this.callback, "OnBindingEvent", { name: d.name, data: d.data, metadata: d.metadata });
    return {
      storeName: res.store_name || undefined,
      states: (res.states ?? []).map((s) => ({ key: s.key, value: s.value ?? Buffer.alloc(0), etag: s.etag?.value || undefined, metadata: { ...(s.metadata ?? {}) } })),
      to: res.to ?? [],
      concurrency: res.concurrency === "PARALLEL" ? "parallel" : "sequential",
      data: res.data && res.data.length > 0 ? res.data : undefined,
    };
  }

  async healthProbe(timeoutMs: number): Promise<boolean> {
    try {
      await this.call(this.health, "HealthCheck", {}, undefined, timeoutMs, false);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.callback.close();
    this.alpha.close();
    this.health.close();
  }

  private call<T>(client: Client, method: string, req: unknown, md = new grpc.Metadata(), timeoutMs?: number, limited = true): Promise<T> {
    if (this.o.appApiToken) md.set("dapr-api-token", this.o.appApiToken);
    const run = () =>
      new Promise<T>((resolve, reject) => {
        const options = timeoutMs ? { deadline: Date.now() + timeoutMs } : {};
        client[method]!(req, md, options, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
      });
    return limited ? this.o.limiter.run(run) : run();
  }
}

const rawBytes = (b: Buffer): Buffer => b;

/** CloudEvent attributes beyond the ones TopicEventRequest has fields for. */
function extensionsOf(ev: CloudEvent): Record<string, unknown> {
  return Object.fromEntries(Object.entries(ev).filter(([k]) => !ceCore.has(k)));
}

function isForwardableMetadata(key: string): boolean {
  const k = key.toLowerCase();
  return !k.startsWith(":") && !["content-type", "content-length", "host", "connection", "te", "transfer-encoding", "keep-alive", "upgrade"].includes(k);
}

/** The HTTP status Dapr reports for a gRPC status (as grpc-gateway maps them). */
export function grpcToHttp(code: number): number {
  const map: Record<number, number> = { 0: 200, 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 };
  return map[code] ?? 500;
}
