import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPrefixRouter, prefixKey } from "./prefix-router.js";

describe("prefixKey", () => {
  it("keeps the first two segments, lower-cased", () => {
    expect(prefixKey("/v1.0/state/store/key")).toBe("/v1.0/state");
    expect(prefixKey("/v1.0/healthz")).toBe("/v1.0/healthz");
    expect(prefixKey("/V1.0/State/x")).toBe("/v1.0/state");
    expect(prefixKey("/orders")).toBe("/orders");
    expect(prefixKey("/")).toBe("/");
  });
});

describe("createPrefixRouter", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    const { router, handle } = createPrefixRouter();
    router.get("/v1.0/state/:store/:key", (req, res) => { res.send(`key ${req.params["key"]} route ${req.route.path}`); });
    router.get("/v1.0/state/:store/special", (_req, res) => { res.send("never: registered after the :key route"); });
    router.all("/v1.0/invoke/:app/method/*m", (req, res) => { res.send(`invoke ${req.params["app"]}`); });
    // Not literal in its first two segments: tried after the prefix routes.
    router.get("/:version/custom", (req, res) => { res.send(`custom ${req.params["version"]}`); });
    router.get("/v1.0/state/passes", (_req, _res, next) => next());
    app.use(handle);
    app.use((_req, res) => { res.status(404).send("fallback"); });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const get = async (path: string, method = "GET") => {
    const r = await fetch(base + path, { method });
    return `${r.status} ${await r.text()}`;
  };

  it("routes by prefix and keeps registration order within a prefix", async () => {
    expect(await get("/v1.0/state/s/k1")).toBe("200 key k1 route /v1.0/state/:store/:key");
    expect(await get("/v1.0/state/s/special")).toBe("200 key special route /v1.0/state/:store/:key");
    expect(await get("/V1.0/STATE/s/k2")).toBe("200 key k2 route /v1.0/state/:store/:key");
    expect(await get("/v1.0/invoke/a/method/x/y", "DELETE")).toBe("200 invoke a");
  });

  it("falls through to routes with parameters in their prefix, then to what follows the router", async () => {
    expect(await get("/v2/custom")).toBe("200 custom v2");
    expect(await get("/v1.0/state/passes")).toBe("404 fallback");
    expect(await get("/v1.0/nothing/here")).toBe("404 fallback");
    expect(await get("/v1.0/state/s/k", "PATCH")).toBe("404 fallback");
  });
});

describe("createPrefixRouter's compiling on demand", () => {
  it("builds a prefix's express Router on its first request, and takes routes added after it", async () => {
    const routerSpy = vi.spyOn(express, "Router");
    const app = express();
    const { router, handle } = createPrefixRouter();
    router.get("/v1.0/state/:store/:key", (_req, res) => { res.send("state"); });
    router.get("/v1.0/metadata", (_req, res) => { res.send("metadata"); });
    router.get("/:version/custom", (_req, res) => { res.send("custom"); });
    app.use(handle);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(routerSpy).not.toHaveBeenCalled();
      expect(await (await fetch(`${base}/v1.0/state/s/k`)).text()).toBe("state");
      // Only the state prefix's router: the catch-all one (tried when no prefix route answers) is not built yet.
      expect(routerSpy).toHaveBeenCalledTimes(1);
      router.get("/v1.0/state/:store/:key/extra", (_req, res) => { res.send("added later"); });
      expect(await (await fetch(`${base}/v1.0/state/s/k/extra`)).text()).toBe("added later");
      expect(await (await fetch(`${base}/v2/custom`)).text()).toBe("custom");
      expect(routerSpy).toHaveBeenCalledTimes(2);
    } finally {
      routerSpy.mockRestore();
      server.close();
    }
  });
});
