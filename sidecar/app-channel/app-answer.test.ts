import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { callApp, WHOLE_ANSWER_BYTES } from "./app-answer.js";
import { Pool } from "./undici-pool.js";

let server: http.Server | undefined;
let pool: Pool | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  await pool?.destroy();
  for (const s of sockets) s.destroy();
  server?.close();
  server = pool = undefined;
});

async function app(handler: http.RequestListener): Promise<Pool> {
  server = http.createServer(handler);
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return pool;
}

const post = (body?: Buffer | Readable) => ({ method: "POST", path: "/m?q=1", headers: { "x-in": "1" }, body });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe("one call into the app on undici's dispatcher", () => {
  it("reads a small answer of announced length whole, with its headers lower-cased and repeated ones joined", async () => {
    const p = await app((req, res) => {
      let got = "";
      req.on("data", (c) => (got += c));
      req.on("end", () => {
        res.setHeader("X-Seen", `${req.method} ${req.url} ${req.headers["x-in"]} ${got}`);
        res.setHeader("Set-Cookie", ["a=1", "b=2"]);
        res.statusCode = 201;
        res.end("done");
      });
    });
    let settled = 0;
    const a = await callApp(p, post(Buffer.from("hi")), () => settled++);
    expect(a.status).toBe(201);
    expect(Buffer.isBuffer(a.body)).toBe(true);
    expect(a.body.toString()).toBe("done");
    expect(a.headers["x-seen"]).toBe("POST /m?q=1 1 hi");
    expect(a.headers["set-cookie"]).toBe("a=1, b=2");
    expect(a.headers["content-length"]).toBe("4");
    expect(settled).toBe(1);
  });

  it("streams a large answer, and an answer of unknown length, with back-pressure", async () => {
    const big = Buffer.alloc(WHOLE_ANSWER_BYTES * 4 + 7, 3);
    const p = await app((req, res) => {
      req.resume();
      if (req.url === "/chunked") {
        res.write("a");
        setTimeout(() => res.end("b"), 20);
      } else res.end(big);
    });
    const large = await callApp(p, { ...post(), path: "/big" }, () => {});
    expect(large.body).toBeInstanceOf(Readable);
    expect(Buffer.compare(Buffer.concat(await (large.body as Readable).toArray()), big)).toBe(0);
    const chunked = await callApp(p, { ...post(), path: "/chunked" }, () => {});
    expect(chunked.headers["transfer-encoding"]).toBe("chunked");
    expect(Buffer.concat(await (chunked.body as Readable).toArray()).toString()).toBe("ab");
  });

  it("stops reading an answer nobody reads, and cuts the call when the reader gives up", async () => {
    let written = 0;
    let closed = false;
    const p = await app((req, res) => {
      req.resume();
      res.on("close", () => (closed = true));
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!closed && res.write(chunk)) written += chunk.length;
        if (!closed) res.once("drain", pump);
      };
      pump();
    });
    let settled = 0;
    const a = await callApp(p, post(), () => settled++);
    await new Promise((r) => setTimeout(r, 300));
    const before = written;
    await new Promise((r) => setTimeout(r, 200));
    expect(written).toBeLessThan(32 * 1024 * 1024);
    expect(written).toBeLessThanOrEqual(before + 2 * 64 * 1024);
    (a.body as Readable).destroy();
    await until(() => closed);
    expect(settled).toBe(1);
  });

  it("keeps a HEAD answer's content-length with no body, and passes a 204", async () => {
    const p = await app((req, res) => {
      req.resume();
      if (req.method === "HEAD") {
        res.setHeader("content-length", "1000000");
        res.end();
      } else {
        res.statusCode = 204;
        res.end();
      }
    });
    const head = await callApp(p, { ...post(), method: "HEAD" }, () => {});
    expect(head.headers["content-length"]).toBe("1000000");
    expect(Buffer.isBuffer(head.body) && head.body.length).toBe(0);
    const empty = await callApp(p, { ...post(), method: "DELETE" }, () => {});
    expect(empty.status).toBe(204);
    const body = Buffer.isBuffer(empty.body) ? empty.body : Buffer.concat(await empty.body.toArray());
    expect(body.length).toBe(0);
  });

  it("rejects when the app is not there or resets the call, fails a streamed answer cut short, and drops a request body still streaming", async () => {
    const p = await app((req, res) => {
      if (req.url === "/reset") return req.socket.destroy();
      if (req.url === "/cut") {
        res.writeHead(200, { "content-length": String(10 * WHOLE_ANSWER_BYTES) });
        res.write(Buffer.alloc(WHOLE_ANSWER_BYTES));
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.end("x");
    });
    let settled = 0;
    await expect(callApp(p, { ...post(), path: "/reset" }, () => settled++)).rejects.toThrow();
    const cut = await callApp(p, { ...post(), path: "/cut" }, () => settled++);
    await expect((cut.body as Readable).toArray()).rejects.toThrow();
    expect(settled).toBe(2);

    const endless = new Readable({ read() { this.push(Buffer.alloc(1024)); } });
    await expect(callApp(p, { ...post(endless), path: "/reset" }, () => {})).rejects.toThrow();
    await until(() => endless.destroyed);

    const nobody = new Pool("http://127.0.0.1:1");
    try {
      await expect(callApp(nobody, post(), () => {})).rejects.toThrow();
    } finally {
      await nobody.destroy();
    }
  });
});
