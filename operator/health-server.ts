// Plain-HTTP probes and metrics: /healthz (the process is serving), /readyz
// (every informer cache has synced), /metrics (Prometheus text format). Kept
// to node:http: three fixed routes need no framework.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { metricsRegistry } from "../sidecar/metrics/registry.js";

export interface ProbeServer {
  port: number;
  close(): Promise<void>;
}

export type Route = (res: http.ServerResponse) => void | Promise<void>;

export function healthRoutes(isReady: () => boolean): Record<string, Route> {
  return {
    "/healthz": (res) => void res.writeHead(200, { "content-type": "text/plain" }).end("ok"),
    "/readyz": (res) => {
      if (isReady()) res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      else res.writeHead(503, { "content-type": "text/plain" }).end("informer caches not synced yet");
    },
  };
}

export const metricsRoutes: Record<string, Route> = {
  "/metrics": async (res) => {
    const body = await metricsRegistry.metrics();
    res.writeHead(200, { "content-type": metricsRegistry.contentType }).end(body);
  },
};

export async function startProbeServer(port: number, routes: Record<string, Route>): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    const route = req.method === "GET" || req.method === "HEAD" ? routes[(req.url ?? "").split("?")[0]!] : undefined;
    if (!route) return void res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    Promise.resolve(route(res)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(err instanceof Error ? err.message : String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
