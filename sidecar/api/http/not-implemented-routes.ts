// Every route of Dapr's HTTP API, by building block. Routes whose building
// block is not built yet answer Dapr's 501 ERR_NOT_IMPLEMENTED naming the API,
// instead of falling through to a generic 404 (or to service invocation),
// so a client learns at once that it reached a dapr-ts that lacks the feature.
import type { Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { sendError } from "./http-helpers.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

export interface DaprHttpRoute {
  /** The building block, as named in docs/compatibility.md. */
  api: string;
  methods: HttpMethod[];
  /** Express 5 path syntax (`:param`, `*rest` for a multi-segment tail). */
  path: string;
}

const anyMethod: HttpMethod[] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
const postPut: HttpMethod[] = ["POST", "PUT"];

// Workflow routes are identical under each of these versions (pkg/api/http/workflow.go).
const workflowVersions = ["v1.0-alpha1", "v1.0-beta1", "v1.0"];

/** Dapr's HTTP API surface (pkg/api/http/*.go route tables), one entry per path. */
export const daprHttpRoutes: DaprHttpRoute[] = [
  { api: "state", methods: postPut, path: "/v1.0/state/:store" },
  { api: "state", methods: ["GET", "DELETE"], path: "/v1.0/state/:store/:key" },
  { api: "state", methods: postPut, path: "/v1.0/state/:store/bulk" },
  { api: "state", methods: postPut, path: "/v1.0/state/:store/transaction" },
  { api: "state", methods: postPut, path: "/v1.0-alpha1/state/:store/query" },
  { api: "publish", methods: postPut, path: "/v1.0/publish/:pubsub/*topic" },
  { api: "bulk publish", methods: postPut, path: "/v1.0-alpha1/publish/bulk/:pubsub/*topic" },
  { api: "bulk publish", methods: postPut, path: "/v1.0/publish/bulk/:pubsub/*topic" },
  { api: "invoke", methods: anyMethod, path: "/v1.0/invoke/:appId/method/*method" },
  { api: "bindings", methods: postPut, path: "/v1.0/bindings/:name" },
  { api: "secrets", methods: ["GET"], path: "/v1.0/secrets/:store/bulk" },
  { api: "secrets", methods: ["GET"], path: "/v1.0/secrets/:store/:key" },
  ...["v1.0", "v1.0-alpha1"].flatMap((v): DaprHttpRoute[] => [
    { api: "configuration", methods: ["GET"], path: `/${v}/configuration/:store` },
    { api: "configuration", methods: ["GET"], path: `/${v}/configuration/:store/subscribe` },
    { api: "configuration", methods: ["GET"], path: `/${v}/configuration/:store/:subscriptionId/unsubscribe` },
  ]),
  { api: "lock", methods: ["POST"], path: "/v1.0-alpha1/lock/:store" },
  { api: "lock", methods: ["POST"], path: "/v1.0-alpha1/unlock/:store" },
  { api: "actors", methods: ["GET", "POST", "PUT", "DELETE"], path: "/v1.0/actors/:actorType/:actorId/method/:method" },
  { api: "actors", methods: postPut, path: "/v1.0/actors/:actorType/:actorId/state" },
  { api: "actors", methods: ["GET"], path: "/v1.0/actors/:actorType/:actorId/state/:key" },
  { api: "actors", methods: ["GET", "POST", "PUT", "DELETE"], path: "/v1.0/actors/:actorType/:actorId/reminders/:name" },
  { api: "actors", methods: ["POST", "PUT", "DELETE"], path: "/v1.0/actors/:actorType/:actorId/timers/:name" },
  ...workflowVersions.flatMap((v): DaprHttpRoute[] => [
    { api: "workflows", methods: ["POST"], path: `/${v}/workflows/:component/:workflowName/start` },
    { api: "workflows", methods: ["GET"], path: `/${v}/workflows/:component/:instanceId` },
    { api: "workflows", methods: ["POST"], path: `/${v}/workflows/:component/:instanceId/terminate` },
    { api: "workflows", methods: ["POST"], path: `/${v}/workflows/:component/:instanceId/pause` },
    { api: "workflows", methods: ["POST"], path: `/${v}/workflows/:component/:instanceId/resume` },
    { api: "workflows", methods: ["POST"], path: `/${v}/workflows/:component/:instanceId/purge` },
    { api: "workflows", methods: ["POST"], path: `/${v}/workflows/:component/:instanceId/raiseEvent/:eventName` },
  ]),
  { api: "metadata", methods: ["GET"], path: "/v1.0/metadata" },
  { api: "metadata", methods: ["PUT"], path: "/v1.0/metadata/:key" },
  { api: "healthz", methods: ["GET"], path: "/v1.0/healthz" },
  { api: "healthz", methods: ["GET"], path: "/v1.0/healthz/outbound" },
  { api: "shutdown", methods: ["POST"], path: "/v1.0/shutdown" },
  ...["v1.0-alpha1", "v1.0"].flatMap((v): DaprHttpRoute[] => [
    { api: "jobs", methods: ["POST", "GET", "DELETE"], path: `/${v}/jobs/:name` },
  ]),
  { api: "crypto", methods: ["PUT"], path: "/v1.0-alpha1/crypto/:component/encrypt" },
  { api: "crypto", methods: ["PUT"], path: "/v1.0-alpha1/crypto/:component/decrypt" },
  ...["getkey", "encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify"].map((op): DaprHttpRoute => (
    { api: "crypto", methods: ["POST"], path: `/v1.0-alpha1/subtlecrypto/:component/${op}` }
  )),
  { api: "conversation", methods: ["POST"], path: "/v1.0-alpha1/conversation/:name/converse" },
  { api: "conversation", methods: ["POST"], path: "/v1.0-alpha2/conversation/:name/converse" },
];

/**
 * Answers every known Dapr route under none of `implementedPrefixes` (e.g.
 * "/v1.0/state", "/v1.0-alpha1/state/") with 501 ERR_NOT_IMPLEMENTED. Register it
 * AFTER the building blocks' routes: a route a building block serves matches
 * first, so this only catches what is really missing.
 */
export function registerNotImplementedHttp(router: Router, implementedPrefixes: string[]): void {
  for (const r of daprHttpRoutes) {
    if (implementedPrefixes.some((p) => r.path.startsWith(p))) continue;
    const answer = (_req: unknown, res: Parameters<typeof sendError>[0]) => sendError(res, Errors.notImplemented(`the ${r.api} API`));
    for (const m of r.methods) {
      router[m.toLowerCase() as "get" | "post" | "put" | "delete" | "patch"](r.path, answer);
    }
  }
}
