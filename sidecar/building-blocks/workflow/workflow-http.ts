// HTTP adapter of the workflow management API, identical under v1.0,
// v1.0-beta1 and v1.0-alpha1. Bodies are raw: the start input and the event data.
import type { Router } from "express";
import { param, rawBody, route } from "../../api/http/http-helpers.js";
import type { WorkflowApi } from "./workflow-api.js";

const versions = ["v1.0", "v1.0-beta1", "v1.0-alpha1"];

export function registerWorkflowHttp(r: Router, api: WorkflowApi): void {
  const body = (req: Parameters<typeof rawBody>[0]) => {
    const b = rawBody(req);
    return b.length ? b.toString("utf8") : undefined;
  };
  for (const v of versions) {
    const base = `/${v}/workflows/:component`;
    r.post(`${base}/:workflowName/start`, route(async (req, res) => {
      const q = req.query["instanceID"];
      const instanceID = await api.start(param(req, "component"), param(req, "workflowName"), typeof q === "string" ? q : undefined, body(req));
      res.status(202).json({ instanceID });
    }));
    r.get(`${base}/:instanceId`, route(async (req, res) => {
      res.status(200).json(await api.get(param(req, "component"), param(req, "instanceId")));
    }));
    const simple: [string, "terminate" | "pause" | "resume" | "purge"][] = [["terminate", "terminate"], ["pause", "pause"], ["resume", "resume"], ["purge", "purge"]];
    for (const [path, op] of simple) {
      r.post(`${base}/:instanceId/${path}`, route(async (req, res) => {
        await api[op](param(req, "component"), param(req, "instanceId"));
        res.status(202).end();
      }));
    }
    r.post(`${base}/:instanceId/raiseEvent/:eventName`, route(async (req, res) => {
      await api.raiseEvent(param(req, "component"), param(req, "instanceId"), param(req, "eventName"), body(req));
      res.status(202).end();
    }));
  }
}
