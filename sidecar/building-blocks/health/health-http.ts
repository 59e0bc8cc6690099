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
    const appid = req.query["appid"];
    if (typeof appid === "string" && appid !== r.appId) return sendError(res, Errors.healthAppIdNotMatch());
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
