// SubscribeTopicEventsAlpha1: an app subscribes over a gRPC stream instead of
// being called back. The first message names pubsub and topic; each event is
// sent down the stream and settles when the app answers event_processed with
// its id (SUCCESS acks, RETRY redelivers, DROP goes to the dead-letter topic).
import type * as grpc from "@grpc/grpc-js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import { toStruct } from "../../api/grpc/struct.js";
import { Errors } from "../../errors/catalog.js";
import type { Message, Subscription } from "../../components/pubsub/pubsub.js";
import type { Logger } from "../../log/logger.js";
import type { SubscriptionInfo } from "../metadata/metadata-core.js";
import { deliveryEnvelope, eventDataBytes, isRawPayload } from "./cloudevent.js";
import type { PubSubCore } from "./pubsub-core.js";

const core = new Set(["id", "source", "type", "specversion", "datacontenttype", "data", "data_base64", "topic", "pubsubname"]);

interface InitialRequest {
  pubsub_name: string;
  topic: string;
  metadata: Record<string, string>;
  dead_letter_topic?: string;
}

export class StreamingSubscriptions {
  private readonly active = new Set<SubscriptionInfo>();

  constructor(private readonly pubsub: PubSubCore, private readonly log: Logger) {}

  list(): SubscriptionInfo[] {
    return [...this.active];
  }

  handler(): grpc.handleBidiStreamingCall<any, any> {
    return (call) => {
      let sub: Subscription | undefined;
      let info: SubscriptionInfo | undefined;
      const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
      const end = async () => {
        if (info) this.active.delete(info);
        for (const w of waiting.values()) w.reject(new Error("stream closed"));
        waiting.clear();
        await sub?.close().catch(() => {});
        sub = undefined;
      };
      call.on("data", (msg: { initial_request?: InitialRequest; event_processed?: { id: string; status: { status: string } | null } }) => {
        if (msg.initial_request) {
          if (sub) return call.emit("error", toServiceError(Errors.malformedRequest("the stream already has a subscription")));
          void this.start(call, msg.initial_request, waiting).then(
            (r) => { sub = r.sub; info = r.info; },
            (err) => call.emit("error", toServiceError(err)),
          );
          return;
        }
        const p = msg.event_processed;
        if (!p) return;
        const w = waiting.get(p.id);
        if (!w) return;
        waiting.delete(p.id);
        const status = p.status?.status ?? "SUCCESS";
        if (status === "RETRY") w.reject(new Error("app asked to retry"));
        else w.resolve();
      });
      call.on("end", () => { void end().then(() => call.end()); });
      call.on("error", () => void end());
      call.on("cancelled", () => void end());
    };
  }

  private async start(call: grpc.ServerDuplexStream<any, any>, req: InitialRequest, waiting: Map<string, { resolve: () => void; reject: (e: Error) => void }>) {
    const c = this.pubsub.resolve(req.pubsub_name);
    if (!req.topic) throw Errors.topicEmpty(req.pubsub_name);
    if (!c.scopes.canSubscribe(req.topic)) throw Errors.pubsubForbidden(req.topic, req.pubsub_name, "this app");
    const metadata = { ...(req.metadata ?? {}) };
    const raw = isRawPayload(metadata);
    const handler = async (m: Message) => {
      const env = deliveryEnvelope({ data: m.data, topic: req.topic, pubsubName: req.pubsub_name, rawPayload: raw });
      if (env.kind !== "deliver") return;
      const ev = env.event;
      const id = String(ev.id);
      const settled = new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
      call.write({
        event_message: {
          id, source: ev.source, type: ev.type, spec_version: ev.specversion, data_content_type: ev.datacontenttype ?? "",
          data: eventDataBytes(ev), topic: req.topic, pubsub_name: req.pubsub_name, path: "",
          extensions: toStruct(Object.fromEntries(Object.entries(ev).filter(([k]) => !core.has(k)))),
        },
      });
      try {
        await settled;
      } catch (err) {
        if (!req.dead_letter_topic) throw err;
        await c.pubsub.publish({ topic: req.dead_letter_topic, data: m.data, contentType: m.contentType, metadata: {} });
      }
    };
    const sub = await c.pubsub.subscribe({ topic: req.topic, metadata }, handler);
    const info: SubscriptionInfo = { pubsubname: req.pubsub_name, topic: req.topic, metadata, rules: [], deadLetterTopic: req.dead_letter_topic, type: "STREAMING" };
    this.active.add(info);
    call.write({ initial_response: {} });
    this.log.info("streaming subscription started", { pubsub: req.pubsub_name, topic: req.topic });
    return { sub, info };
  }
}
