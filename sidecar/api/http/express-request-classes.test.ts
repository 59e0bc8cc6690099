import express from "express";
import { execFileSync } from "node:child_process";
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { closeGracefully, listenHttp, type Listening } from "../../runtime/servers.js";
import { expressRequestClasses } from "./express-request-classes.js";

let open: Listening | undefined;
afterEach(async () => {
  if (open) await closeGracefully(open.server, 100);
  open = undefined;
});

describe("expressRequestClasses", () => {
  it("gives a plain request listener no options", () => {
    expect(expressRequestClasses((_req: http.IncomingMessage, res: http.ServerResponse) => res.end())).toEqual({});
    expect(expressRequestClasses(undefined)).toEqual({});
  });

  it("makes the sidecar's servers create express requests already carrying the app's prototypes, and express works as before", async () => {
    const app = express();
    const seen: { reqProto: unknown; resProto: unknown; isMessage: boolean }[] = [];
    app.post("/items/:id", (req, res) => {
      seen.push({ reqProto: Object.getPrototypeOf(req), resProto: Object.getPrototypeOf(res), isMessage: req instanceof http.IncomingMessage });
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => res.status(201).json({ id: req.params["id"], q: req.query["q"], type: req.get("content-type"), body: Buffer.concat(chunks).toString() }));
    });
    open = await listenHttp(app as unknown as http.RequestListener, 0, "127.0.0.1");
    // Seen before express's own handler runs (which would re-parent them anyway).
    const arrived: { reqProto: unknown; resProto: unknown }[] = [];
    open.server.prependListener("request", (req, res) => arrived.push({ reqProto: Object.getPrototypeOf(req), resProto: Object.getPrototypeOf(res) }));

    for (const n of [1, 2]) {
      const r = await fetch(`http://127.0.0.1:${open.port}/items/${n}?q=x`, { method: "POST", body: `hello ${n}`, headers: { "content-type": "text/plain" } });
      expect(r.status).toBe(201);
      expect(await r.json()).toEqual({ id: String(n), q: "x", type: "text/plain", body: `hello ${n}` });
    }
    expect(arrived).toEqual([{ reqProto: app.request, resProto: app.response }, { reqProto: app.request, resProto: app.response }]);
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.reqProto).toBe(app.request);
      expect(s.resProto).toBe(app.response);
      expect(s.isMessage).toBe(true);
    }
  });

  it("gives every server of one app the same response prototype, the app's", async () => {
    const app = express();
    app.get("/", (_req, res) => res.send(Object.getPrototypeOf(res) === app.response ? "same" : "re-parented"));
    const second = await listenHttp(app as unknown as http.RequestListener, 0, "127.0.0.1");
    try {
      open = await listenHttp(app as unknown as http.RequestListener, 0, "127.0.0.1");
      const protos: unknown[] = [];
      for (const server of [open.server, second.server]) server.prependListener("request", (_req, res) => protos.push(Object.getPrototypeOf(res)));
      for (const port of [open.port, second.port]) expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("same");
      expect(protos).toEqual([app.response, app.response]);
      expect(Object.getPrototypeOf(app.response)).not.toBe(http.ServerResponse.prototype); // the app's own response methods are behind it
      expect(typeof (app.response as { json?: unknown }).json).toBe("function");
    } finally {
      await closeGracefully(second.server, 100);
    }
  });

  // A child process: the check needs V8's natives syntax.
  it("builds responses with fast properties, as node:http builds its own", () => {
    const classes = new URL("./express-request-classes.ts", import.meta.url).href;
    const script = `
      const { default: express } = await import("express");
      const http = await import("node:http");
      const { expressRequestClasses } = await import(${JSON.stringify(classes)});
      const app = express();
      const { ServerResponse } = expressRequestClasses(app);
      const req = { method: "GET", httpVersionMajor: 1, httpVersionMinor: 1, headers: {}, socket: null };
      const a = new ServerResponse(req), b = new ServerResponse(req);
      process.stdout.write(JSON.stringify([%HasFastProperties(a), %HaveSameMap(a, b), Object.getPrototypeOf(a) === app.response, %HasFastProperties(new http.ServerResponse(req))]));`;
    const out = execFileSync(process.execPath, ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([true, true, true, true]);
  }, 30_000);
});
