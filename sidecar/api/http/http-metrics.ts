import type { NextFunction, Request, Response } from "express";
// Fast* (not prom-client's classes): updated on every request.
import { FastCounter, FastHistogram } from "../../metrics/fast-metrics.js";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";

const requestCount = new FastCounter({
  name: "dapr_http_server_request_count",
  help: "Number of HTTP requests started in server",
  labelNames: ["app_id", "method", "path"],
  registers: [metricsRegistry],
});
const responseCount = new FastCounter({
  name: "dapr_http_server_response_count",
  help: "The number of HTTP responses",
  labelNames: ["app_id", "method", "path", "status"],
  registers: [metricsRegistry],
});
const latency = new FastHistogram({
  name: "dapr_http_server_latency",
  help: "HTTP request end-to-end latency in server (ms)",
  labelNames: ["app_id", "method", "path", "status"],
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
const requestBytes = new FastHistogram({
  name: "dapr_http_server_request_bytes",
  help: "HTTP request body size if set as ContentLength (uncompressed) in server",
  labelNames: ["app_id", "method", "path"],
  buckets: [1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216],
  registers: [metricsRegistry],
});
const responseBytes = new FastHistogram({
  name: "dapr_http_server_response_bytes",
  help: "HTTP response body size (uncompressed) in server",
  labelNames: ["app_id", "method", "path", "status"],
  buckets: [1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216],
  registers: [metricsRegistry],
});

/**
 * Records Dapr's HTTP server metrics. The path label is the route template
 * (e.g. /v1.0/state/:store), not the raw URL, to keep cardinality low as
 * Dapr does by default.
 */
export function httpMetrics(appId: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = performance.now();
    res.once("finish", () => {
      const routePath = (req.route as { path?: string } | undefined)?.path;
      const path = typeof routePath === "string" ? routePath : "";
      const method = req.method;
      const status = String(res.statusCode);
      requestCount.inc({ app_id: appId, method, path });
      responseCount.inc({ app_id: appId, method, path, status });
      latency.observe({ app_id: appId, method, path, status }, performance.now() - start);
      const inLen = Number(req.headers["content-length"] ?? 0);
      if (inLen > 0) requestBytes.observe({ app_id: appId, method, path }, inLen);
      const outLen = Number(res.getHeader("content-length") ?? 0);
      responseBytes.observe({ app_id: appId, method, path, status }, outLen);
    });
    next();
  };
}
