// Dapr's health endpoints: `/v1.0/healthz` is 204 once the sidecar is ready
// (components loaded, servers up), `/v1.0/healthz/outbound` once it can serve
// outbound calls (components loaded). Both are exempt from the API token.
import type { Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { route, sendError } from "../../api/http/http-helpers.js";

export interface Readiness {
  /** undefined when ready; otherwise why not. */
  notReadyReason(): string | undefined;
  outboundNotReadyReason(): string | undefined;
  appId: string;
}

export function registerHealthHttp(router: Router, r: Readiness): void {
  router.get("/v1.0/healthz", route((req, res) => {
    // Probes come often and seldom carry a query: read the one parameter as Go's Query().Get
    // does (the first value), without the query parser (which also loads qs on a first call).
    const q = req.url.indexOf("?");
    const appid = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get("appid");
    if (appid !== null && appid !== r.appId) return sendError(res, Errors.healthAppIdNotMatch());
    const why = r.notReadyReason();
    if (why) return sendError(res, Errors.healthNotReady(why));
    res.status(204).end();
  }));
  router.get("/v1.0/healthz/outbound", route((_req, res) => {
    const why = r.outboundNotReadyReason();
    if (why) return sendError(res, Errors.healthNotReady(why));
    res.status(204).end();
  }));
}
