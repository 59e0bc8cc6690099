import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprHttpRoutes, registerNotImplementedHttp } from "./not-implemented-routes.js";

describe("registerNotImplementedHttp", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    const router = express.Router();
    router.get("/v1.0/metadata", (_req, res) => { res.status(200).json({ served: true }); });
    registerNotImplementedHttp(router, ["/v1.0-alpha1/lock", "/v1.0-alpha1/unlock"]);
    app.use(router);
    app.use((_req, res) => { res.status(404).json({ errorCode: "ERR_NOT_FOUND" }); });
    server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("answers an unbuilt Dapr route with 501 ERR_NOT_IMPLEMENTED naming the API", async () => {
    const res = await fetch(`${base}/v1.0/publish/pubsub/orders/eu`, { method: "POST", body: "{}" });
    expect(res.status).toBe(501);
    const body = (await res.json()) as { errorCode: string; message: string };
    expect(body.errorCode).toBe("ERR_NOT_IMPLEMENTED");
    expect(body.message).toMatch(/publish API/);
  });

  it("leaves routes registered before it alone", async () => {
    const res = await fetch(`${base}/v1.0/metadata`);
    expect(res.status).toBe(200);
  });

  it("skips routes under an implemented prefix and methods Dapr does not route", async () => {
    expect((await fetch(`${base}/v1.0-alpha1/lock/store`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${base}/v1.0/bindings/b`, { method: "GET" })).status).toBe(404);
  });

  it("declares each path once, with at least one method", () => {
    const paths = daprHttpRoutes.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const r of daprHttpRoutes) expect(r.methods.length).toBeGreaterThan(0);
  });
});
