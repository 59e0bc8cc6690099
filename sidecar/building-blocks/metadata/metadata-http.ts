import type { Router } from "express";
import { param, rawBody, route } from "../../api/http/http-helpers.js";
import type { MetadataCore } from "./metadata-core.js";

export function registerMetadataHttp(router: Router, core: MetadataCore): void {
  router.get("/v1.0/metadata", route((_req, res) => {
    const s = core.snapshot();
    res.status(200).json({
      ...s,
      actors: s.actorRuntime.activeActors,
      subscriptions: s.subscriptions.map((x) => ({ ...x, rules: x.rules.length ? x.rules : undefined })),
    });
  }));
  router.put("/v1.0/metadata/:key", route((req, res) => {
    core.setExtended(param(req, "key"), rawBody(req).toString("utf8"));
    res.status(204).end();
  }));
}
