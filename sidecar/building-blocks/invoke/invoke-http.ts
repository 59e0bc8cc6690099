// HTTP adapter of service invocation: /v1.0/invoke/{appId}/method/{method...}
// for every verb, and proxy mode (any unmatched path with a `dapr-app-id`
// header). When the target's resiliency policy never replays a call, both
// bodies stream through (CallLocalStream) with no size limit and bounded
// memory; otherwise they are read whole here, bounded by --max-body-size.
import { pipeline } from "node:stream/promises";
import type { Request, Response, Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { hasBody, readBody, sendError } from "../../api/http/http-helpers.js";
import type { DirectRoute } from "../../api/http/direct-routes.js";
import { STREAM_CHUNK_BYTES } from "./stream-payloads.js";
import { forwardableHeaders, type InvokeCore, type InvokeStreamResponse, type InvokeResponse } from "./invoke-core.js";

const INVOKE_ROUTE = "/v1.0/invoke/:appId/method/*method";
const INVOKE_PREFIX = "/v1.0/invoke/";
const METHOD_INFIX = "/method/";

export function registerInvokeHttp(router: Router, core: InvokeCore, maxBodySize: number): void {
  router.all(INVOKE_ROUTE, (req, res) => {
    const rawAppId = String(req.params["appId"]);
    // Without a '%' there is nothing to decode (decodeURIComponent would return it as is, at a cost per call).
    void handle(req, res, core, maxBodySize, rawAppId.includes("%") ? decodeURIComponent(rawAppId) : rawAppId, invokeTarget(req.originalUrl).method);
  });
}

/**
 * The raw app id and method of a URL the invoke route matched: the method is the raw (still
 * URL-encoded) path after /method/, without the query. Found by position, as the route matched
 * it (any case; an app id has no '/'), so an app called "method" is no trouble.
 */
export function invokeTarget(url: string): { rawAppId: string; method: string } {
  const slash = url.indexOf("/", INVOKE_PREFIX.length);
  const q = url.indexOf("?");
  return { rawAppId: url.slice(INVOKE_PREFIX.length, slash), method: url.slice(slash + METHOD_INFIX.length, q < 0 ? url.length : q) };
}

/**
 * The invoke route past express's router (api/http/direct-routes.ts), for URLs
 * spelled plainly: /v1.0/invoke/{appId}/method/{method}, an app id with nothing
 * to decode, a method of at least one character. Anything else takes the route above.
 */
export function invokeDirectRoute(core: InvokeCore, maxBodySize: number): DirectRoute {
  return {
    path: INVOKE_ROUTE,
    match(url) {
      if (!url.startsWith(INVOKE_PREFIX)) return false;
      const slash = url.indexOf("/", INVOKE_PREFIX.length);
      if (slash <= INVOKE_PREFIX.length || !url.startsWith(METHOD_INFIX, slash)) return false;
      const appId = url.slice(INVOKE_PREFIX.length, slash);
      if (appId.includes("%") || appId.includes("?")) return false;
      const method = slash + METHOD_INFIX.length;
      return method < url.length && url.charCodeAt(method) !== 63 /* '?' */;
    },
    handle(req, res) {
      const { rawAppId, method } = invokeTarget(req.originalUrl);
      void handle(req, res, core, maxBodySize, rawAppId, method);
    },
  };
}

/** Proxy mode: the target app id comes from the `dapr-app-id` header, the method is the whole path. */
export function invokeProxyFallback(core: InvokeCore, maxBodySize: number) {
  return (req: Request, res: Response): void => {
    const appId = req.header("dapr-app-id");
    if (!appId) return sendError(res, Errors.notFound(`${req.method} ${req.path}`));
    const url = req.originalUrl;
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    void handle(req, res, core, maxBodySize, appId, path.charCodeAt(0) === 47 /* '/' */ ? path.slice(1) : path);
  };
}

function handle(req: Request, res: Response, core: InvokeCore, maxBodySize: number, appId: string, method: string): Promise<void> {
  // A body already read by a body parser cannot stream.
  if (!Buffer.isBuffer(req.body) && core.canStream(appId, method)) return handleStreamed(req, res, core, appId, method);
  return handleWhole(req, res, core, maxBodySize, appId, method);
}

/** Both bodies read whole (the target's policy may replay the call, or the target is a URL). */
async function handleWhole(req: Request, res: Response, core: InvokeCore, maxBodySize: number, appId: string, method: string): Promise<void> {
  try {
    const body = await readBody(req, maxBodySize);
    const query = queryOf(req.originalUrl);
    const headers = forwardableHeaders(req.headers);
    const r = await core.invoke({ targetAppId: appId, method, verb: req.method, query, headers, body, contentType: req.header("content-type") });
    writeResponse(res, r);
  } catch (err) {
    if (!res.headersSent) sendError(res, err);
    else res.end();
  }
}

async function handleStreamed(req: Request, res: Response, core: InvokeCore, appId: string, method: string): Promise<void> {
  let r: InvokeStreamResponse;
  try {
    const query = queryOf(req.originalUrl);
    // A small body of announced length is read whole (bounded by that length): it then travels in one message.
    const length = Number(req.headers["content-length"] ?? NaN);
    const body = !hasBody(req) ? undefined : length <= STREAM_CHUNK_BYTES ? await readBody(req, STREAM_CHUNK_BYTES) : req;
    r = await core.invokeStream({
      targetAppId: appId, method, verb: req.method, query, headers: forwardableHeaders(req.headers), body, contentType: req.header("content-type"),
    });
  } catch (err) {
    if (!res.headersSent) sendError(res, err);
    else res.end();
    return;
  }
  if (Buffer.isBuffer(r.body)) {
    writeHead(res, r);
    res.end(r.body);
    return;
  }
  writeHead(res, r);
  // pipeline carries backpressure from the caller's socket back to the callee, and tears both down on failure.
  await pipeline(r.body, res).catch(() => {
    // The status line has gone out: all that is left is to cut the answer short, so the caller sees it broken.
    res.destroy();
  });
}

/** The raw query string (after the first '?'), or "". */
function queryOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
}

// Framing and hop-by-hop headers of the callee's answer: this hop sets its own.
const notForwarded = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);

function writeHead(res: Response, r: { status: number; headers: Record<string, string>; contentType?: string }): void {
  for (const k in r.headers) {
    if (notForwarded.has(k)) continue;
    try {
      res.setHeader(k, r.headers[k]!);
    } catch {
      // A header Node refuses to send (a name or value with characters HTTP forbids) is left out.
    }
  }
  if (r.contentType) res.setHeader("content-type", r.contentType);
  res.status(r.status);
}

function writeResponse(res: Response, r: InvokeResponse): void {
  writeHead(res, r);
  res.end(r.body);
}
