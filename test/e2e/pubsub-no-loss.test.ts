// No message lost: 20,000 messages through pubsub.redis (Redis with persistence)
// while the subscribing app fails 10% of deliveries with HTTP 500, the
// subscriber's sidecar is SIGKILLed and restarted, and Redis is restarted.
// Every message must reach the app at least once; lost and duplicates are printed.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { startOwnedRedis, uniqueName, type OwnedRedis } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const TOTAL = 20_000;
const BATCH = 200;

describe("pub/sub on Redis loses no message", () => {
  let redis: OwnedRedis | undefined;
  let app: TestApp | undefined;
  const sidecars: SidecarProcess[] = [];
  afterAll(async () => {
    for (const s of sidecars) await s.kill().catch(() => {});
    await app?.close();
    await redis?.stop();
  });

  it(`delivers all ${TOTAL} messages at least once through app failures, a sidecar crash and a Redis restart`, async () => {
    redis = await startOwnedRedis({ persistence: true });
    const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-noloss-"));
    const resources = path.join(home, "resources");
    mkdirSync(resources);
    writeFileSync(path.join(resources, "pubsub.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: orders-pubsub }
spec:
  type: pubsub.redis
  version: v1
  metadata:
    - { name: redisHost, value: "127.0.0.1:${redis.port}" }
    - { name: processingTimeout, value: "1s" }
    - { name: redeliverInterval, value: "500ms" }
    - { name: concurrency, value: "32" }
`);
    const seen = new Map<number, number>();
    app = await startTestApp({
      "/dapr/subscribe": () => ({ body: [{ pubsubname: "orders-pubsub", topic: "orders", route: "/orders" }] }),
      "/orders": (r) => {
        if (Math.random() < 0.1) return { status: 500 };
        const i = (JSON.parse(r.body.toString()) as { data: { i: number } }).data.i;
        seen.set(i, (seen.get(i) ?? 0) + 1);
        return { body: { status: "SUCCESS" } };
      },
    });
    // The recorder would hold 20,000 bodies: keep only what the test reads.
    app.seen.length = 0;
    const subscriberArgs = { appId: uniqueName("noloss-sub"), resourcesPaths: [resources], args: ["--app-port", String(app.port)], env: { DAPR_TS_HOME: home } };
    let subscriber = await startSidecar(subscriberArgs);
    sidecars.push(subscriber);
    const publisher = await startSidecar({ appId: uniqueName("noloss-pub"), resourcesPaths: [resources], env: { DAPR_TS_HOME: home } });
    sidecars.push(publisher);

    // The publisher retries a failed batch until it is accepted: a publish the broker never took is not "lost".
    const publishBatch = async (from: number) => {
      const body = JSON.stringify(Array.from({ length: BATCH }, (_, k) => ({ entryId: String(from + k), event: { i: from + k }, contentType: "application/json" })));
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await publisher.http("/v1.0-alpha1/publish/bulk/orders-pubsub/orders", { method: "POST", headers: { "content-type": "application/json" }, body });
          if (r.status === 204) return;
        } catch {
          // the sidecar or Redis is restarting
        }
        if (attempt > 200) throw new Error(`batch ${from} could not be published`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    for (let from = 0; from < TOTAL; from += BATCH) {
      await publishBatch(from);
      if (from === TOTAL / 4) {
        // Crash the subscriber's sidecar mid-stream and bring it back.
        app.seen.length = 0;
        await subscriber.kill();
        subscriber = await startSidecar(subscriberArgs);
        sidecars.push(subscriber);
      }
      if (from === TOTAL / 2) {
        await redis.kill();
        await redis.start();
      }
      app.seen.length = 0;
    }

    const deadline = Date.now() + 120_000;
    while (seen.size < TOTAL && Date.now() < deadline) {
      app.seen.length = 0;
      await new Promise((r) => setTimeout(r, 250));
    }
    const lost = TOTAL - seen.size;
    const duplicates = [...seen.values()].reduce((a, n) => a + (n - 1), 0);
    process.stdout.write(`pub/sub no-loss: published ${TOTAL}, lost ${lost}, duplicates ${duplicates}\n`);
    expect(lost).toBe(0);
  }, 240_000);
});
