// A tiny HTTP app for end-to-end tests: routes are plain functions, and every
// request it receives is recorded so tests can assert what the app saw.
import http from "node:http";
import { freePort } from "./services.js";

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Route = (req: SeenRequest) => { status?: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | void;

export interface TestApp {
  port: number;
  seen: SeenRequest[];
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export async function startTestApp(routes: Record<string, Route> = {}): Promise<TestApp> {
  const port = await freePort();
  const seen: SeenRequest[] = [];
  const table = new Map(Object.entries(routes));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const r: SeenRequest = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(r);
      const path = req.url!.split("?")[0]!;
      const route = table.get(`${req.method} ${path}`) ?? table.get(path);
      const out = route ? route(r) : { status: 404 };
      const send = () => {
        const o = out ?? {};
        res.statusCode = o.status ?? 200;
        for (const [k, v] of Object.entries(o.headers ?? {})) res.setHeader(k, v);
        if (o.body === undefined) return res.end();
        if (Buffer.isBuffer(o.body) || typeof o.body === "string") return res.end(o.body);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(o.body));
      };
      if (out?.delayMs) setTimeout(send, out.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    seen,
    routes: table,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
