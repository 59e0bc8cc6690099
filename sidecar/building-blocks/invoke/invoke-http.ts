// HTTP adapter of service invocation: /v1.0/invoke/{appId}/method/{method...}
// for every verb, and proxy mode (any unmatched path with a `dapr-app-id`
// header). Bodies are read here, bounded by --max-body-size.
import type { Request, Response, Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { sendError } from "../../api/http/http-helpers.js";
import { forwardableHeaders, type InvokeCore, type InvokeResponse } from "./invoke-core.js";

export function registerInvokeHttp(router: Router, core: InvokeCore, maxBodySize: number): void {
  router.all("/v1.0/invoke/:appId/method/*method", (req, res) => {
    const appId = decodeURIComponent(String(req.params["appId"]));
    const rest = req.originalUrl.split("?")[0]!;
    // The method keeps its raw (still URL-encoded) path after /method/.
    const method = rest.slice(rest.indexOf("/method/") + "/method/".length);
    void handle(req, res, core, maxBodySize, appId, method);
  });
}

/** Proxy mode: the target app id comes from the `dapr-app-id` header, the method is the whole path. */
export function invokeProxyFallback(core: InvokeCore, maxBodySize: number) {
  return (req: Request, res: Response): void => {
    const appId = req.header("dapr-app-id");
    if (!appId) return sendError(res, Errors.notFound(`${req.method} ${req.path}`));
    void handle(req, res, core, maxBodySize, appId, req.originalUrl.split("?")[0]!.replace(/^\//, ""));
  };
}

async function handle(req: Request, res: Response, core: InvokeCore, maxBodySize: number, appId: string, method: string): Promise<void> {
  try {
    const body = await readBody(req, maxBodySize);
    const query = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?") + 1) : "";
    const headers = forwardableHeaders(req.headers);
    const r = await core.invoke({ targetAppId: appId, method, verb: req.method, query, headers, body, contentType: req.header("content-type") });
    writeResponse(res, r);
  } catch (err) {
    if (!res.headersSent) sendError(res, err);
    else res.end();
  }
}

function writeResponse(res: Response, r: InvokeResponse): void {
  for (const [k, v] of Object.entries(r.headers)) {
    if (["content-length", "transfer-encoding", "connection", "keep-alive"].includes(k)) continue;
    res.setHeader(k, v);
  }
  if (r.contentType) res.setHeader("content-type", r.contentType);
  res.status(r.status).end(r.body);
}

function readBody(req: Request, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(Errors.bodyTooLarge(limit));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
