// HTTP adapter of the secrets API: GET /v1.0/secrets/{store}/bulk and /{store}/{key}.
import type { Router } from "express";
import { metadataFromQuery, param, route } from "../../api/http/http-helpers.js";
import type { SecretsCore } from "./secrets-core.js";

export function registerSecretsHttp(r: Router, core: SecretsCore): void {
  // Registered first: "bulk" is not a secret name here, as in Dapr's route table.
  r.get("/v1.0/secrets/:store/bulk", route(async (req, res) => {
    res.status(200).json(await core.bulk(param(req, "store"), metadataFromQuery(req)));
  }));
  r.get("/v1.0/secrets/:store/:key", route(async (req, res) => {
    res.status(200).json(await core.get(param(req, "store"), param(req, "key"), metadataFromQuery(req)));
  }));
}
