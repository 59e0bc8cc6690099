// HTTP adapter of the configuration API under /v1.0 and /v1.0-alpha1:
// GET /configuration/{store}?key=.., /{store}/subscribe?key=.., /{store}/{id}/unsubscribe.
import type { Request, Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { metadataFromQuery, param, route } from "../../api/http/http-helpers.js";
import type { AppChannel } from "../../app-channel/app-channel.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { appConfigurationNotifier } from "./app-notifier.js";
import type { ConfigurationCore } from "./configuration-core.js";

export function registerConfigurationHttp(r: Router, core: ConfigurationCore, rt: RuntimeContext, app: AppChannel | undefined): void {
  for (const v of ["v1.0", "v1.0-alpha1"]) {
    r.get(`/${v}/configuration/:store`, route(async (req, res) => {
      res.status(200).json(await core.get(param(req, "store"), keysOf(req), metadataFromQuery(req)));
    }));
    r.get(`/${v}/configuration/:store/subscribe`, route(async (req, res) => {
      const store = param(req, "store");
      // Updates go to the app; without one there is nobody to tell.
      if (!app) throw Errors.configurationSubscribe(keysOf(req), store, "app channel is not initialized");
      const id = await core.subscribe(store, keysOf(req), metadataFromQuery(req), appConfigurationNotifier(rt, app, store));
      res.status(200).json({ id });
    }));
    r.get(`/${v}/configuration/:store/:id/unsubscribe`, route(async (req, res) => {
      await core.unsubscribe(param(req, "store"), param(req, "id"));
      res.status(200).json({ ok: true });
    }));
  }
}

/** `?key=a&key=b` (repeated), also `?key=a,b`; empty values dropped. */
function keysOf(req: Request): string[] {
  const raw = req.query["key"];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.flatMap((k) => (typeof k === "string" ? k.split(",") : [])).map((k) => k.trim()).filter(Boolean);
}
