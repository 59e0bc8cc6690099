// The official SDK on both sides of pub/sub: DaprClient publishes over HTTP
// and gRPC; DaprServer subscribes as an HTTP app and as a gRPC app, with
// routing rules, a dead-letter topic, raw payloads and bulk publish.
import { CommunicationProtocolEnum, DaprClient, DaprPubSubStatusEnum, DaprServer } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, uniqueName } from "../support/services.js";

async function until<T>(fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

const quiet = { level: 0 as never };

for (const appProtocol of [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC]) {
  const label = appProtocol === CommunicationProtocolEnum.HTTP ? "HTTP app" : "gRPC app";
  describe(`SDK pub/sub with a ${label}`, () => {
    let sidecar: SidecarProcess;
    let server: DaprServer;
    const received: Record<string, unknown[]> = { orders: [], urgent: [], dead: [], raw: [], flaky: [], bulk: [] };
    let flakyCalls = 0;

    beforeAll(async () => {
      const appPort = await freePort();
      sidecar = await startSidecar({
        appId: uniqueName("pubsub-app"),
        args: ["--app-port", String(appPort), "--app-protocol", appProtocol === CommunicationProtocolEnum.HTTP ? "http" : "grpc"],
        waitReady: false,
      });
      server = new DaprServer({
        serverHost: "127.0.0.1",
        serverPort: String(appPort),
        communicationProtocol: appProtocol,
        clientOptions: { daprHost: "127.0.0.1", daprPort: String(appProtocol === CommunicationProtocolEnum.HTTP ? sidecar.httpPort : sidecar.grpcPort), communicationProtocol: appProtocol, logger: quiet },
        logger: quiet,
      });
      await server.pubsub.subscribeWithOptions("pubsub", "orders", {
        route: {
          rules: [{ match: 'event.data.event_type == "order_urgent"', path: "/urgent" }],
          default: "/orders",
        },
      });
      await server.pubsub.subscribeToRoute("pubsub", "orders", "/orders", async (data: unknown) => { received.orders!.push(data); });
      await server.pubsub.subscribeToRoute("pubsub", "orders", "/urgent", async (data: unknown) => { received.urgent!.push(data); });
      await server.pubsub.subscribeWithOptions("pubsub", "payments", {
        deadLetterTopic: "payments-dead",
        callback: async () => DaprPubSubStatusEnum.DROP,
      });
      await server.pubsub.subscribe("pubsub", "payments-dead", async (data: unknown) => { received.dead!.push(data); });
      await server.pubsub.subscribe("pubsub", "raw", async (data: unknown) => { received.raw!.push(data); }, undefined, { rawPayload: "true" });
      await server.pubsub.subscribe("pubsub", "flaky", async (data: unknown) => {
        flakyCalls++;
        if (flakyCalls === 1) return DaprPubSubStatusEnum.RETRY;
        received.flaky!.push(data);
      });
      await server.pubsub.subscribeBulk("pubsub", "bulk-topic", async (data: unknown) => { received.bulk!.push(data); }, { maxMessagesCount: 10, maxAwaitDurationMs: 200 });
      await server.start();
      await sidecar.ready();
    });
    afterAll(async () => {
      // The sidecar first: the SDK's gRPC server waits for its client connections to close.
      await sidecar?.stop();
      await server?.stop().catch(() => {});
    });

    for (const clientProtocol of [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC]) {
      const clientLabel = clientProtocol === CommunicationProtocolEnum.HTTP ? "HTTP" : "gRPC";
      it(`delivers events published over ${clientLabel}, routed by CEL rules`, async () => {
        const client = new DaprClient({
          daprHost: "127.0.0.1",
          daprPort: String(clientProtocol === CommunicationProtocolEnum.HTTP ? sidecar.httpPort : sidecar.grpcPort),
          communicationProtocol: clientProtocol,
          logger: quiet,
        });
        const id = `${clientLabel}-${Date.now()}`;
        const r1 = await client.pubsub.publish("pubsub", "orders", { order_id: id, event_type: "order_created" });
        const r2 = await client.pubsub.publish("pubsub", "orders", { order_id: id, event_type: "order_urgent" });
        expect(r1.error).toBeUndefined();
        expect(r2.error).toBeUndefined();
        await until(() => received.orders!.some((d: any) => d.order_id === id) || undefined);
        await until(() => received.urgent!.some((d: any) => d.order_id === id) || undefined);
        expect(received.urgent!.some((d: any) => d.order_id === id && d.event_type === "order_created")).toBe(false);
      });
    }

    it("sends a dropped event to the dead-letter topic", async () => {
      const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), logger: quiet });
      await client.pubsub.publish("pubsub", "payments", { payment: 42 });
      await until(() => received.dead!.length > 0 || undefined);
    });

    it("redelivers an event the app asked to retry", async () => {
      const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), logger: quiet });
      await client.pubsub.publish("pubsub", "flaky", { attempt: "x" });
      await until(() => received.flaky!.length > 0 || undefined);
      expect(flakyCalls).toBeGreaterThanOrEqual(2);
    });

    it("bulk publishes", async () => {
      const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), logger: quiet });
      const tag = `bulk-${Date.now()}`;
      const res = await client.pubsub.publishBulk("pubsub", "orders", [{ order_id: `${tag}-1`, event_type: "order_created" }, { order_id: `${tag}-2`, event_type: "order_created" }]);
      expect(res.failedMessages).toHaveLength(0);
      await until(() => received.orders!.filter((d: any) => String(d.order_id).startsWith(tag)).length === 2 || undefined);
    });

    it("delivers to a bulk subscription", async () => {
      const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), logger: quiet });
      for (let i = 0; i < 5; i++) await client.pubsub.publish("pubsub", "bulk-topic", { i });
      await until(() => received.bulk!.length >= 5 || undefined);
    });

    it("lists its subscriptions in the metadata API", async () => {
      const md = (await (await sidecar.http("/v1.0/metadata")).json()) as { subscriptions: { topic: string; rules?: unknown[] }[] };
      expect(md.subscriptions.map((s) => s.topic).sort()).toEqual(["bulk-topic", "flaky", "orders", "payments", "payments-dead", "raw"]);
    });
  });
}
