// Direct routes answer as express's route for the same path would: the same first
// middleware (token check, metrics under the route's template), the same error
// answers, and express for every URL the route does not take.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Request, Response } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../log/logger.js";
import { metricsRegistry } from "../../metrics/registry.js";
import { buildHttpApi } from "./http-server.js";
import type { DirectRoute } from "./direct-routes.js";

const appId = "direct-routes-test";
const template = "/items/:id";

describe("direct routes of the HTTP API", () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    const answer = (via: string) => (req: Request, res: Response) => {
      seen.push(`${via} ${req.method} ${req.originalUrl}`);
      if (req.originalUrl.toLowerCase().includes("throw")) throw new Error("handler failed");
      res.status(201).json({ via, url: req.originalUrl, token: req.headers["dapr-api-token"] ?? null });
    };
    const direct: DirectRoute = {
      path: template,
      // Plain item ids only; the express route takes the rest.
      match: (url) => /^\/items\/[a-z0-9-]+$/.test(url),
      handle: answer("direct"),
    };
    const app = buildHttpApi({
      appId, maxBodySize: 1024, logger: silentLogger, apiToken: "secret", answerUnbuiltRoutes: false,
      routes: [(router) => void router.all(template, answer("express"))],
      directRoutes: [direct],
    });
    server = app.listen(0, "127.0.0.1");
    await new Promise<void>((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  const call = (path: string, token: string | null = "secret", method = "POST") =>
    fetch(`${base}${path}`, { method, headers: token === null ? {} : { "dapr-api-token": token } });

  it("serves a URL its route takes, after the token check (which strips the token)", async () => {
    const r = await call("/items/a1");
    expect(r.status).toBe(201);
    expect(await r.json()).toEqual({ via: "direct", url: "/items/a1", token: null });
  });

  it("leaves any other URL to express, which routes it to the same path", async () => {
    const r = await call("/items/A%20B?x=1", "secret", "PUT");
    expect(await r.json()).toEqual({ via: "express", url: "/items/A%20B?x=1", token: null });
    expect(seen).toContain("express PUT /items/A%20B?x=1");
  });

  it("answers a missing or wrong token with 401 on a direct route too, and never reaches it", async () => {
    const before = seen.length;
    for (const token of [null, "wrong"]) {
      const r = await call("/items/b2", token);
      expect(r.status).toBe(401);
      expect(await r.text()).toBe("invalid api token\n");
    }
    expect(seen.length).toBe(before);
  });

  it("answers a handler's throw in Dapr's error shape, as express's error middleware does", async () => {
    const viaDirect = await call("/items/throw");
    const viaExpress = await call("/items/Throw");
    expect(viaDirect.status).toBe(500);
    expect(viaExpress.status).toBe(500);
    const [d, e] = [await viaDirect.json(), await viaExpress.json()] as { errorCode: string; message: string }[];
    expect(d).toEqual(e);
    expect(d!.errorCode).toEqual(expect.any(String));
  });

  it("records metrics under the route's template, whichever way the request went", async () => {
    await (await call("/items/c3")).text();
    await (await call("/items/C3", "secret", "POST")).text();
    await new Promise((r) => setTimeout(r, 50));
    const m = metricsRegistry.getSingleMetric("dapr_http_server_request_count") as unknown as {
      get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }>;
    };
    const posts = (await m.get()).values.filter((v) => v.labels["app_id"] === appId && v.labels["method"] === "POST");
    // Both ways, every POST above that reached the route; the 401s stopped before it, with no route to name.
    expect(posts.find((v) => v.labels["path"] === template)?.value).toBe(5);
    expect(posts.find((v) => v.labels["path"] === "")?.value).toBe(2);
  });
});
