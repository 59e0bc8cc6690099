// Calls a plain HTTP(S) URL given as the invocation target (Dapr's
// HTTPEndpoint form). One keep-alive pool per origin, reused: the global fetch
// costs several times more per call (web streams, a fresh Request and Response).
// undici is imported on the first URL call: most sidecars never make one, and
// loading it costs start-up time and memory.
import type { Pool } from "undici";
import type { InvokeRequest, InvokeResponse } from "./invoke-core.js";

let undici: Promise<typeof import("undici")> | undefined;

export class UrlTargetClient {
  private readonly pools = new Map<string, Pool>();

  async call(base: string, req: InvokeRequest, signal: AbortSignal): Promise<InvokeResponse> {
    const target = new URL(`${base.replace(/\/$/, "")}/${req.method.replace(/^\//, "")}${req.query ? `?${req.query}` : ""}`);
    const headers = { ...req.headers };
    if (req.contentType) headers["content-type"] = req.contentType;
    const verb = req.verb.toUpperCase();
    const hasBody = verb !== "GET" && verb !== "HEAD" && req.body.length > 0;
    const pool = await this.pool(target.origin);
    const r = await pool.request({
      method: verb as never,
      path: target.pathname + target.search,
      headers,
      body: hasBody ? req.body : undefined,
      signal,
    });
    const body = Buffer.from(await r.body.arrayBuffer());
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
    return { status: r.statusCode, headers: out, body, contentType: out["content-type"] };
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => p.destroy())));
  }

  private async pool(origin: string): Promise<Pool> {
    let p = this.pools.get(origin);
    if (!p) {
      const { Pool } = await (undici ??= import("undici"));
      // Another call may have made it while the module loaded.
      p = this.pools.get(origin) ?? new Pool(origin, { connections: 128, keepAliveTimeout: 30_000 });
      this.pools.set(origin, p);
    }
    return p;
  }
}
