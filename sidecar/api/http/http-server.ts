// The sidecar's HTTP API server: token check, body limit, metrics, the
// building blocks' routes, Dapr's error body for everything that fails.
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from "express";
import { Errors } from "../../errors/catalog.js";
import type { Logger } from "../../log/logger.js";
import { hasBody, readBody, sendError } from "./http-helpers.js";
import { httpMetrics } from "./http-metrics.js";
import { registerNotImplementedHttp } from "./not-implemented-routes.js";
import { serveDirectRoutes, type DirectRoute } from "./direct-routes.js";
import { createPrefixRouter } from "./prefix-router.js";

export interface HttpApiOptions {
  appId: string;
  maxBodySize: number;
  apiToken?: string;
  logger: Logger;
  enableApiLogging?: boolean;
  /** Each building block adds its routes here. */
  routes: ((router: Router) => void)[];
  /** Requests the routes do not match (Dapr sends them to service invocation). */
  fallback?: (req: Request, res: Response) => void;
  /** Requests that must not be buffered (streamed service invocation). */
  streamed?: (req: Request) => boolean;
  /**
   * Known Dapr routes that no building block serves answer 501 ERR_NOT_IMPLEMENTED
   * (default true). The public port (healthz, metadata only) passes false.
   */
  answerUnbuiltRoutes?: boolean;
  /** Routes served past express's router, after the same first middleware (direct-routes.ts). */
  directRoutes?: DirectRoute[];
  /** Records Dapr's HTTP server metrics (default true; the Configuration's `metrics.enabled`). */
  recordMetrics?: boolean;
}

const tokenExempt = new Set(["/v1.0/healthz", "/v1.0/healthz/outbound"]);

export function buildHttpApi(opts: HttpApiOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", "extended");
  // What every request meets first, on express's way and on a direct route's alike.
  const before: RequestHandler[] = (opts.recordMetrics ?? true) ? [httpMetrics(opts.appId)] : [];
  if (opts.enableApiLogging) {
    const log = opts.logger.child("api-log");
    before.push((req, _res, next) => { log.info("HTTP API called", { method: req.method, path: req.path }); next(); });
  }
  if (opts.apiToken) before.push(apiTokenCheck(opts.apiToken));
  for (const mw of before) app.use(mw);

  // Every body is read whole as bytes, up to --max-body-size, and handed on as it came: not
  // decompressed (body-parser's raw() inflated gzip and refused other encodings with 415; Dapr,
  // like Go's net/http, passes bodies through). The same reader as non-streamed invocation.
  app.use((req, res, next) => {
    if (opts.streamed?.(req) || !hasBody(req)) return next();
    readBody(req, opts.maxBodySize).then((body) => {
      req.body = body;
      next();
    }, (err: unknown) => sendError(res, err));
  });

  const { router, handle } = createPrefixRouter();
  for (const add of opts.routes) add(router);
  // After the building blocks' routes, so only the routes nobody serves match.
  if (opts.answerUnbuiltRoutes ?? true) registerNotImplementedHttp(router, []);
  app.use(handle);

  app.use((req: Request, res: Response) => {
    if (opts.fallback) return opts.fallback(req, res);
    sendError(res, Errors.notFound(`${req.method} ${req.path}`));
  });
  const answerError = (err: unknown, _req: Request, res: Response): void => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.status === 400) return sendError(res, Errors.malformedRequest(e.message ?? "bad request"));
    opts.logger.error("unhandled HTTP error", { error: e.message });
    sendError(res, err);
  };
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => answerError(err, req, res));
  serveDirectRoutes(app, before, opts.directRoutes ?? [], answerError);
  return app;
}

/**
 * Dapr answers a missing or wrong token with 401 and Go's http.Error body
 * ("invalid api token\n", text/plain); only GET healthz is exempt
 * (pkg/api/http/middlewares.go). The header is not passed on to the app.
 */
function apiTokenCheck(token: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const exempt = req.method === "GET" && tokenExempt.has(req.path.replace(/\/+$/, ""));
    if (!exempt && req.header("dapr-api-token") !== token) {
      res.status(401).set({ "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" }).send("invalid api token\n");
      return;
    }
    delete req.headers["dapr-api-token"];
    next();
  };
}
