import { createRequire } from "node:module";
import http from "node:http";
import { describe, expect, it } from "vitest";
import { Pool } from "./undici-pool.js";

describe("undici-pool", () => {
  it("gives a Pool with the request API, without loading the rest of undici", async () => {
    const server = http.createServer((req, res) => res.end(`${req.method} ${req.url}`));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 2 });
    try {
      const r = await pool.request({ method: "POST", path: "/orders?x=1", body: "{}" });
      expect(r.statusCode).toBe(200);
      expect(await r.body.text()).toBe("POST /orders?x=1");
    } finally {
      await pool.close();
      server.close();
    }
    // The package's entry module (fetch, WebSocket, caches, ...) stays unloaded.
    const entry = createRequire(import.meta.url).resolve("undici");
    expect(Object.keys(createRequire(import.meta.url).cache)).not.toContain(entry);
  });
});
