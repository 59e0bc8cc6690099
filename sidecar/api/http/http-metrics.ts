import type { NextFunction, Request, Response } from "express";
// Fast* (not prom-client's classes): updated on every request.
import { FastCounter, FastHistogram, type CounterSeries, type HistogramSeries } from "../../metrics/fast-metrics.js";
import { countAndLatency } from "../../metrics/count-and-latency.js";
import { metricsRegistry } from "../../metrics/registry.js";

const requestCount = new FastCounter({
  name: "dapr_http_server_request_count",
  help: "Number of HTTP requests started in server",
  labelNames: ["app_id", "method", "path"],
  registers: [metricsRegistry],
});
const responses = countAndLatency({
  count: { name: "dapr_http_server_response_count", help: "The number of HTTP responses" },
  latency: { name: "dapr_http_server_latency", help: "HTTP request end-to-end latency in server (ms)" },
  labelNames: ["app_id", "method", "path", "status"],
});
const bodySizeBuckets = [1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];
const requestBytes = new FastHistogram({
  name: "dapr_http_server_request_bytes",
  help: "HTTP request body size if set as ContentLength (uncompressed) in server",
  labelNames: ["app_id", "method", "path"],
  buckets: bodySizeBuckets,
  registers: [metricsRegistry],
});
const responseBytes = new FastHistogram({
  name: "dapr_http_server_response_bytes",
  help: "HTTP response body size (uncompressed) in server",
  labelNames: ["app_id", "method", "path", "status"],
  buckets: bodySizeBuckets,
  registers: [metricsRegistry],
});

/** The series of one (HTTP method, route) pair, and of each status it answered with. */
interface RouteSeries {
  requests: CounterSeries;
  requestBytes: HistogramSeries;
  byStatus: Map<number, { responses: CounterSeries; latency: HistogramSeries; responseBytes: HistogramSeries }>;
}

/**
 * Records Dapr's HTTP server metrics. The path label is the route template
 * (e.g. /v1.0/state/:store), not the raw URL, to keep cardinality low as
 * Dapr does by default. The series of a method, route and status are looked
 * up once and held (FastCounter.series): every request carries the same few
 * labels, and five label-map walks per request were a share of its cost.
 */
export function httpMetrics(appId: string) {
  const byMethod = new Map<string, Map<string, RouteSeries>>();
  const routeSeries = (method: string, path: string): RouteSeries => {
    let byPath = byMethod.get(method);
    if (!byPath) {
      byPath = new Map();
      byMethod.set(method, byPath);
    }
    let r = byPath.get(path);
    if (!r) {
      r = {
        requests: requestCount.series({ app_id: appId, method, path }),
        requestBytes: requestBytes.series({ app_id: appId, method, path }),
        byStatus: new Map(),
      };
      byPath.set(path, r);
    }
    return r;
  };
  const statusSeries = (r: RouteSeries, method: string, path: string, statusCode: number) => {
    let s = r.byStatus.get(statusCode);
    if (!s) {
      const status = String(statusCode);
      s = {
        responses: responses.count.series({ app_id: appId, method, path, status }),
        latency: responses.latency.series({ app_id: appId, method, path, status }),
        responseBytes: responseBytes.series({ app_id: appId, method, path, status }),
      };
      r.byStatus.set(statusCode, s);
    }
    return s;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = performance.now();
    // 'finish' fires once: on() spares once()'s wrapper.
    res.on("finish", () => {
      const routePath = (req.route as { path?: string } | undefined)?.path;
      const path = typeof routePath === "string" ? routePath : "";
      const method = req.method;
      const r = routeSeries(method, path);
      const s = statusSeries(r, method, path, res.statusCode);
      r.requests.inc();
      s.responses.inc();
      s.latency.observe(performance.now() - start);
      const inLen = Number(req.headers["content-length"] ?? 0);
      if (inLen > 0) r.requestBytes.observe(inLen);
      // The body bytes the handler wrote, counted by the sidecar's response class (express-request-classes.ts);
      // elsewhere its Content-Length, when the handler set one.
      const written = (res as { bodyBytes?: number }).bodyBytes;
      const outLen = written ?? Number(res.getHeader("content-length") ?? 0);
      s.responseBytes.observe(outLen);
    });
    next();
  };
}
