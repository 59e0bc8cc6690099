// SubscribeTopicEventsAlpha1: an app subscribes over a gRPC stream, receives
// events, answers each; RETRY brings the event back, and the subscription
// shows in the metadata API as STREAMING while the stream is open.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";

describe("streaming subscriptions", () => {
  let sidecar: SidecarProcess;
  beforeAll(async () => {
    sidecar = await startSidecar();
  });
  afterAll(async () => {
    await sidecar?.stop();
  });

  it("delivers events over the stream and redelivers one the app retries", async () => {
    const Dapr = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
    const client = new Dapr(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure()) as any;
    const stream = client.SubscribeTopicEventsAlpha1();
    const got: string[] = [];
    let retried = false;
    const done = new Promise<void>((resolve) => {
      stream.on("data", (msg: any) => {
        if (msg.initial_response) return;
        const ev = msg.event_message;
        const body = JSON.parse(Buffer.from(ev.data).toString());
        let status = "SUCCESS";
        if (body.n === 2 && !retried) {
          retried = true;
          status = "RETRY";
        } else {
          got.push(String(body.n));
        }
        stream.write({ event_processed: { id: ev.id, status: { status } } });
        if (got.length === 3) resolve();
      });
    });
    stream.write({ initial_request: { pubsub_name: "pubsub", topic: "stream-topic", metadata: {} } });
    await new Promise((r) => setTimeout(r, 300));
    const md = (await (await sidecar.http("/v1.0/metadata")).json()) as { subscriptions: { topic: string; type: string }[] };
    expect(md.subscriptions).toContainEqual(expect.objectContaining({ topic: "stream-topic", type: "STREAMING" }));
    for (const n of [1, 2, 3]) {
      await sidecar.http("/v1.0/publish/pubsub/stream-topic", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n }) });
    }
    await done;
    expect(got.sort()).toEqual(["1", "2", "3"]);
    expect(retried).toBe(true);
    stream.end();
    client.close();
  });

  it("ends the stream with an error for an unknown pubsub", async () => {
    const Dapr = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
    const client = new Dapr(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure()) as any;
    const stream = client.SubscribeTopicEventsAlpha1();
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      stream.on("error", resolve);
      stream.on("data", () => {});
      stream.write({ initial_request: { pubsub_name: "nope", topic: "t", metadata: {} } });
    });
    expect(err.details).toMatch(/pubsub nope is not found/);
    client.close();
  });
});
