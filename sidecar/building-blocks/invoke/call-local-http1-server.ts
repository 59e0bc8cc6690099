// Callee side of an invocation over HTTP/1.1 from another dapr-ts sidecar
// (wire format: call-local-http1-wire.ts). It does what serving CallLocalStream
// does (call-local-stream-server.ts): access control and the app through
// InvokeCore.handleInboundStream, the app's answer handed back unchanged,
// bodies streamed both ways with backpressure, small ones whole.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DaprError } from "../../errors/catalog.js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import type { Http1Handler } from "../../api/grpc/internal-http1.js";
import {
  CONTENT_LENGTH_HEADER, CONTENT_TYPE_HEADER, GRPC_MESSAGE_HEADER, GRPC_STATUS_HEADER, hopHeaders, INVOKE_PATH_PREFIX, VERB_HEADER,
} from "./call-local-http1-wire.js";
import { hopByHop } from "./call-local-stream-server.js";
import type { InvokeCore } from "./invoke-core.js";
import { readWhole, STREAM_CHUNK_BYTES } from "./stream-payloads.js";


export function serveCallLocalHttp1(core: InvokeCore): Http1Handler {
  return (req, res) => {
    // Only the app's headers go out: no Date of this hop's own.
    res.sendDate = false;
    serve(core, req, res).catch((err) => fail(res, err));
  };
}

async function serve(core: InvokeCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "";
  if (req.method !== "POST" || !url.startsWith(INVOKE_PATH_PREFIX)) {
    req.resume();
    res.statusCode = 404;
    res.end();
    return;
  }
  const q = url.indexOf("?");
  const method = url.slice(INVOKE_PATH_PREFIX.length, q < 0 ? url.length : q);
  const query = q < 0 ? "" : url.slice(q + 1);

  const incoming = req.headers;
  const headers: Record<string, string> = {};
  for (const k in incoming) {
    const v = incoming[k];
    if (v === undefined || hopHeaders.has(k) || k === VERB_HEADER || k === CONTENT_TYPE_HEADER || k === "__proto__") continue;
    headers[k] = typeof v === "string" ? v : v.join(", ");
  }
  const ct = incoming[CONTENT_TYPE_HEADER];
  const contentType = (typeof ct === "string" ? ct : headers["content-type"]) || undefined;
  const verb = (incoming[VERB_HEADER] as string | undefined) || "POST";

  // A small body of announced length is handed on whole (as CallLocalStream's leading message is).
  const length = Number(incoming["content-length"] ?? NaN);
  const body: Buffer | Readable | undefined = length === 0 ? undefined : length <= STREAM_CHUNK_BYTES ? await readWhole(req) : req;

  let answer;
  try {
    answer = await core.handleInboundStream({
      callerAppId: headers["dapr-caller-app-id"], callerNamespace: headers["dapr-caller-namespace"],
      method, verb, query, headers, body, contentType,
    });
  } catch (err) {
    if (!(err instanceof DaprError)) throw err;
    // Dapr errors of the callee (an access-control deny, no app) travel back as the HTTP answer, as over gRPC.
    req.resume();
    // Not writeHead(): with the headers left open, end() adds a content-length and the caller reads the answer whole.
    res.statusCode = err.httpStatus;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(err.toJSON()));
    return;
  }

  const appBody = answer.body;
  // The caller went away before the app's answer was through: stop reading it.
  res.once("close", () => {
    if (!res.writableFinished) appBody.destroy();
  });
  for (const k in answer.headers) {
    // Hop-by-hop headers stay on the app's hop; its content-length travels apart (this hop frames the body).
    if (hopByHop.has(k) || k === "content-length" || k === "__proto__") continue;
    res.setHeader(k, answer.headers[k]!);
  }
  const appLength = answer.headers["content-length"];
  if (appLength !== undefined) res.setHeader(CONTENT_LENGTH_HEADER, appLength);
  // The answer's content type travels apart from its headers only where the two differ (as CallLocalStream carries both).
  const answerType = answer.contentType ?? "";
  if (answerType !== (answer.headers["content-type"] ?? "")) res.setHeader(CONTENT_TYPE_HEADER, answerType);
  res.statusCode = answer.status;
  // A small answer of known length goes out whole, with this hop's own content-length.
  if (Number(appLength ?? NaN) <= STREAM_CHUNK_BYTES) {
    res.end(await readWhole(appBody));
    return;
  }
  await pipeline(appBody, res);
}

/** The call could not be served: status 500 with the gRPC status it would have ended with; cut short if the answer had begun. */
function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = toServiceError(err);
  res.sendDate = false;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(500, { [GRPC_STATUS_HEADER]: String(e.code), [GRPC_MESSAGE_HEADER]: encodeURIComponent(e.details) });
  res.end();
}
