// Bad input to pub/sub: each answers Dapr's error code and status, and the
// sidecar keeps serving. Also raw payloads and a caller's own CloudEvent.
import * as grpc from "@grpc/grpc-js";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("pub/sub bad input", () => {
  let sidecar: SidecarProcess;
  let app: TestApp;
  const appId = uniqueName("pubbad");

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-pubbad-"));
    mkdirSync(path.join(dir, "res"));
    writeFileSync(path.join(dir, "res", "c.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: scoped }
spec:
  type: pubsub.in-memory
  version: v1
  metadata:
    - { name: publishingScopes, value: "${appId}=allowed" }
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: pubsub }
spec: { type: pubsub.in-memory, version: v1, metadata: [] }
`);
    app = await startTestApp({
      "/dapr/subscribe": () => ({ body: [{ pubsubname: "pubsub", topic: "raw", route: "/raw", metadata: { rawPayload: "true" } }, { pubsubname: "pubsub", topic: "ce", route: "/ce" }, { pubsubname: "pubsub", topic: "garbage", route: "/garbage" }] }),
      "/raw": () => ({ body: { status: "SUCCESS" } }),
      "/ce": () => ({ body: { status: "SUCCESS" } }),
      // An app answering garbage: a 2xx with an unparseable body counts as success (Dapr's rule).
      "/garbage": () => ({ body: "<<not json>>" }),
    });
    sidecar = await startSidecar({ appId, resourcesPaths: [path.join(dir, "res")], args: ["--app-port", String(app.port)] });
  });
  afterAll(async () => {
    await sidecar?.stop();
    await app?.close();
  });

  const post = (p: string, body: string, contentType = "application/json") =>
    sidecar.http(p, { method: "POST", headers: { "content-type": contentType }, body });
  const expectError = async (r: Response, status: number, code: string) => {
    expect(r.status).toBe(status);
    expect(((await r.json()) as { errorCode: string }).errorCode).toBe(code);
  };

  it("answers Dapr's errors over HTTP", async () => {
    await expectError(await post("/v1.0/publish/nope/orders", "{}"), 404, "ERR_PUBSUB_NOT_FOUND");
    await expectError(await post("/v1.0/publish/scoped/forbidden", "{}"), 403, "ERR_PUBSUB_FORBIDDEN");
    expect((await post("/v1.0/publish/scoped/allowed", "{}")).status).toBe(204);
    await expectError(await post("/v1.0-alpha1/publish/bulk/pubsub/orders", "{not json"), 400, "ERR_MALFORMED_REQUEST");
    await expectError(await post("/v1.0-alpha1/publish/bulk/pubsub/orders", JSON.stringify({ not: "an array" })), 400, "ERR_PUBSUB_EVENTS_SER");
    await expectError(await post("/v1.0-alpha1/publish/bulk/pubsub/orders", JSON.stringify([{ event: 1 }])), 400, "ERR_PUBSUB_EVENTS_SER");
    await expectError(await post("/v1.0-alpha1/publish/bulk/pubsub/orders", JSON.stringify([{ entryId: "a", event: 1 }, { entryId: "a", event: 2 }])), 400, "ERR_PUBSUB_EVENTS_SER");
    await expectError(await post("/v1.0/publish/pubsub/orders", "{\"specversion\": \"0.3\", \"id\": 5}", "application/cloudevents+json"), 400, "ERR_PUBSUB_CLOUD_EVENTS_SER");
    await expectError(await post("/v1.0/publish/pubsub/orders", "not json at all", "application/cloudevents+json"), 400, "ERR_PUBSUB_CLOUD_EVENTS_SER");
    await expectError(await post("/v1.0/publish/pubsub/orders?metadata.ttlInSeconds=abc", "{}"), 400, "ERR_PUBSUB_REQUEST_METADATA");
  });

  it("answers Dapr's errors over gRPC", async () => {
    const Dapr = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
    const client = new Dapr(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure()) as any;
    const call = (req: object) => new Promise<grpc.ServiceError | null>((resolve) => client.PublishEvent(req, (err: grpc.ServiceError | null) => resolve(err)));
    expect((await call({ pubsub_name: "nope", topic: "t", data: Buffer.from("{}") }))?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await call({ pubsub_name: "", topic: "t", data: Buffer.from("{}") }))?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await call({ pubsub_name: "pubsub", topic: "", data: Buffer.from("{}") }))?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await call({ pubsub_name: "scoped", topic: "forbidden", data: Buffer.from("{}") }))?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(await call({ pubsub_name: "pubsub", topic: "t", data: Buffer.from("{}"), data_content_type: "application/json" })).toBeNull();
    client.close();
  });

  it("passes raw payloads and a caller's own CloudEvent through", async () => {
    expect((await post("/v1.0/publish/pubsub/raw?metadata.rawPayload=true", "plain bytes", "text/plain")).status).toBe(204);
    const ce = { specversion: "1.0", id: "my-id", source: "my-source", type: "my.type", datacontenttype: "application/json", data: { x: 1 } };
    expect((await post("/v1.0/publish/pubsub/ce", JSON.stringify(ce), "application/cloudevents+json")).status).toBe(204);
    expect((await post("/v1.0/publish/pubsub/garbage", "{}")).status).toBe(204);
    const deadline = Date.now() + 5000;
    const body = (route: string) => app.seen.find((s) => s.url === route)?.body.toString();
    while ((!body("/raw") || !body("/ce") || !body("/garbage")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const raw = JSON.parse(body("/raw")!);
    expect(raw.datacontenttype).toBe("application/octet-stream");
    expect(Buffer.from(raw.data_base64, "base64").toString()).toBe("plain bytes");
    const got = JSON.parse(body("/ce")!);
    expect(got).toMatchObject({ id: "my-id", source: "my-source", type: "my.type", data: { x: 1 }, topic: "ce", pubsubname: "pubsub" });
    // The garbage answer was taken as success: the sidecar is still up and healthy.
    expect((await sidecar.http("/v1.0/healthz")).status).toBe(204);
  });
});
