// The injector's HTTPS server: thin wire around `handleMutate`. It reads the
// body, checks the content type, and writes what the pure handler returns;
// /healthz, /readyz and /metrics sit beside /mutate, and optionally on plain
// HTTP ports as Dapr's injector serves them.
import express, { type NextFunction, type Request, type Response } from "express";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "../sidecar/log/logger.js";
import { metricsRegistry } from "../sidecar/metrics/registry.js";
import { handleMutate, type MutateDeps, type MutateOutcome } from "./admission/handle-mutate.js";
import { injectionRequests, recordMutateOutcome } from "./metrics.js";

export interface HealthState { ready: boolean }

export interface InjectorServerOptions {
  port: number;
  host?: string;
  tls: { key: string | Buffer; cert: string | Buffer };
  deps: MutateDeps;
  logger: Logger;
  /** Plain-HTTP /healthz + /readyz; 0 or undefined: none. */
  healthzPort?: number;
  /** Plain-HTTP /metrics; 0 or undefined: none. */
  metricsPort?: number;
}

export interface RunningInjectorServer {
  port: number;
  healthzPort?: number;
  metricsPort?: number;
  health: HealthState;
  /** Swaps the serving certificate without a restart. */
  setTls(tls: { key: string | Buffer; cert: string | Buffer }): void;
  close(): Promise<void>;
}

const maxReviewBytes = "16mb";

function logOutcome(logger: Logger, outcome: MutateOutcome): void {
  switch (outcome.kind) {
    case "injected":
      logger.info("sidecar injected", { app_id: outcome.appId, warnings: outcome.warnings.length });
      break;
    case "failed":
      logger.warn("sidecar not injected", { app_id: outcome.appId, reason: outcome.reason, error: outcome.message });
      break;
    case "skipped":
      logger.debug("no sidecar needed", { why: outcome.why });
  }
}

function healthRoutes(app: express.Express, health: HealthState): void {
  app.get("/healthz", (_req, res) => { res.status(200).type("text/plain").send("ok"); });
  app.get("/readyz", (_req, res) => {
    res.status(health.ready ? 200 : 503).type("text/plain").send(health.ready ? "ready" : "not ready");
  });
}

function metricsRoute(app: express.Express): void {
  app.get("/metrics", async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
}

export function createInjectorApp(deps: MutateDeps, logger: Logger, health: HealthState): express.Express {
  const app = express();
  app.disable("x-powered-by");
  healthRoutes(app, health);
  metricsRoute(app);
  app.post("/mutate", express.raw({ type: () => true, limit: maxReviewBytes }), (req: Request, res: Response) => {
    injectionRequests.inc();
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/json") {
      recordMutateOutcome({ kind: "failed", appId: "", reason: "decode", message: "content type" });
      res.status(415).type("text/plain").send(`invalid Content-Type ${JSON.stringify(contentType)}, expected application/json`);
      return;
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (raw.length === 0) {
      recordMutateOutcome({ kind: "failed", appId: "", reason: "decode", message: "empty body" });
      res.status(400).type("text/plain").send("malformed AdmissionReview: empty body");
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      const message = `malformed AdmissionReview: invalid JSON: ${(err as Error).message}`;
      recordMutateOutcome({ kind: "failed", appId: "", reason: "decode", message });
      res.status(400).type("text/plain").send(message);
      return;
    }
    const result = handleMutate(body, deps);
    recordMutateOutcome(result.outcome);
    logOutcome(logger, result.outcome);
    if (result.status === 400) res.status(400).type("text/plain").send(result.body);
    else res.status(200).json(result.body);
  });
  app.use((_req: Request, res: Response) => { res.status(404).type("text/plain").send("not found"); });
  // Body too large, aborted uploads: a clear status, never a crash.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; statusCode?: number; message?: string };
    const status = e.status ?? e.statusCode ?? 500;
    logger.warn("injector request failed", { status, error: e.message });
    if (!res.headersSent) res.status(status).type("text/plain").send(status === 413 ? `AdmissionReview larger than ${maxReviewBytes}` : (e.message ?? "internal error"));
  });
  return app;
}

function listen(server: http.Server | https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export async function startInjectorServer(opts: InjectorServerOptions): Promise<RunningInjectorServer> {
  const host = opts.host ?? "0.0.0.0";
  const health: HealthState = { ready: false };
  const app = createInjectorApp(opts.deps, opts.logger, health);
  const main = https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, app);
  const servers: (http.Server | https.Server)[] = [main];
  const port = await listen(main, opts.port, host);

  let healthzPort: number | undefined;
  if (opts.healthzPort) {
    const h = express();
    healthRoutes(h, health);
    const s = http.createServer(h);
    healthzPort = await listen(s, opts.healthzPort, host);
    servers.push(s);
  }
  let metricsPort: number | undefined;
  if (opts.metricsPort) {
    const m = express();
    metricsRoute(m);
    const s = http.createServer(m);
    metricsPort = await listen(s, opts.metricsPort, host);
    servers.push(s);
  }
  health.ready = true;
  opts.logger.info("sidecar injector listening", { port, healthz_port: healthzPort, metrics_port: metricsPort });

  return {
    port,
    healthzPort,
    metricsPort,
    health,
    setTls(tls) { main.setSecureContext({ key: tls.key, cert: tls.cert }); },
    async close() {
      health.ready = false;
      await Promise.all(servers.map(closeServer));
    },
  };
}
