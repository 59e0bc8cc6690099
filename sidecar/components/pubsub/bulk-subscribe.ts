// Bulk subscribe for any component, like Dapr's default bulk subscriber
// (`pkg/runtime/pubsub/default_bulksub.go`): messages from a normal
// subscription are collected until `maxMessagesCount` are waiting or
// `maxAwaitDurationMs` passed since the first one, then handed to the bulk
// handler together. Each message is acked or nacked on its own from the
// handler's answer, so the component's redelivery still applies per message.
// Note: a batch only grows beyond one message when the component lets several
// handlers run at once (e.g. redis `concurrency`, rabbitmq/jetstream "parallel").
import { randomUUID } from "node:crypto";
import {
  isBulkSubscriber,
  type BulkMessageEntry,
  type BulkMessageHandler,
  type BulkSubscribeConfig,
  type Message,
  type PubSub,
  type SubscribeRequest,
  type Subscription,
} from "./pubsub.js";

interface Waiting {
  entry: BulkMessageEntry;
  resolve: () => void;
  reject: (err: Error) => void;
}

export async function bulkSubscribe(
  p: PubSub,
  req: SubscribeRequest,
  config: BulkSubscribeConfig,
  handler: BulkMessageHandler,
): Promise<Subscription> {
  if (isBulkSubscriber(p)) return p.bulkSubscribe(req, config, handler);
  if (!Number.isInteger(config.maxMessagesCount) || config.maxMessagesCount < 1) {
    throw new Error(`bulk subscribe: maxMessagesCount must be a positive integer, got ${config.maxMessagesCount}`);
  }
  if (!(config.maxAwaitDurationMs >= 0)) {
    throw new Error(`bulk subscribe: maxAwaitDurationMs must be >= 0, got ${config.maxAwaitDurationMs}`);
  }
  let batch: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const current = batch;
    batch = [];
    if (current.length === 0) return;
    let failed: Set<string>;
    try {
      const res = await handler({ topic: req.topic, entries: current.map((w) => w.entry), metadata: req.metadata });
      failed = new Set(res.failedEntryIds);
    } catch (err) {
      for (const w of current) w.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const w of current) {
      if (failed.has(w.entry.entryId)) w.reject(new Error(`bulk handler failed entry ${w.entry.entryId}`));
      else w.resolve();
    }
  };

  const sub = await p.subscribe(req, (msg: Message) =>
    new Promise<void>((resolve, reject) => {
      batch.push({
        entry: { entryId: randomUUID(), event: msg.data, contentType: msg.contentType ?? "", metadata: msg.metadata },
        resolve,
        reject,
      });
      if (batch.length >= config.maxMessagesCount) void flush();
      else if (!timer) timer = setTimeout(() => void flush(), config.maxAwaitDurationMs);
    }),
  );
  return {
    close: async () => {
      // Hand over what was collected so far, so pending handlers settle and the component can close.
      await flush();
      await sub.close();
    },
  };
}
