// Caller side of an invocation over HTTP/1.1 to another dapr-ts sidecar
// (wire format: call-local-http1-wire.ts). Resolves as callLocalStream does:
// once the callee's status and headers are in, with its body whole (small,
// of known length) or as a stream the caller must read or destroy.
import type { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import type { Pool } from "../../app-channel/undici-pool.js";
import { decodeMessage, GrpcStatusError } from "../../api/grpc/h2/grpc-status.js";
import { mayAbort } from "../../resiliency/index.js";
import type { StreamedAnswer } from "./call-local-stream-client.js";
import type { StreamRequestHead } from "./call-local-stream-codec.js";
import {
  CONTENT_LENGTH_HEADER, CONTENT_TYPE_HEADER, GRPC_MESSAGE_HEADER, GRPC_STATUS_HEADER, INVOKE_PATH_PREFIX, VERB_HEADER,
} from "./call-local-http1-wire.js";
import { readWhole, STREAM_CHUNK_BYTES } from "./stream-payloads.js";

// Framing of this hop, not the app's answer.
const notHanded = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", CONTENT_LENGTH_HEADER, CONTENT_TYPE_HEADER]);

/** An argument the pool refused before sending anything (the call may go over gRPC instead). */
export function refusedBeforeSending(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "UND_ERR_INVALID_ARG";
}

/**
 * The peer answered with bytes that are no HTTP/1.1 (undici's parser failed on them): it does
 * not take HTTP/1.1 (say, a sidecar that speaks only gRPC now listens there), so it served nothing.
 */
export function notHttp1Peer(err: unknown): boolean {
  return (err as Error | null)?.name === "HTTPParserError";
}

export async function callLocalHttp1(pool: Pool, head: StreamRequestHead, body: AsyncIterable<Buffer> | Buffer | undefined, signal: AbortSignal): Promise<StreamedAnswer> {
  const headers: Record<string, string> = {};
  const metadata = head.metadata;
  for (const k in metadata) if (k !== "__proto__") headers[k] = metadata[k]!;
  if (head.verb !== "POST") headers[VERB_HEADER] = head.verb;
  if (head.contentType !== (metadata["content-type"] ?? "")) headers[CONTENT_TYPE_HEADER] = head.contentType;

  // Only until the answer's head is in: the body that follows is cancelled by whoever reads it.
  let abort: AbortController | undefined;
  const onAbort = () => abort!.abort();
  if (mayAbort(signal)) {
    abort = new AbortController();
    if (signal.aborted) abort.abort();
    else signal.addEventListener("abort", onAbort, { once: true });
  }
  let r;
  try {
    r = await pool.request({
      method: "POST",
      path: INVOKE_PATH_PREFIX + head.method + (head.query ? `?${head.query}` : ""),
      headers,
      // undici sends any async iterable as a streamed body (its types list only Readable).
      body: (body ?? null) as Buffer | Readable | null,
      signal: abort?.signal,
    });
  } finally {
    if (abort) signal.removeEventListener("abort", onAbort);
  }

  const h = r.headers;
  const failed = h[GRPC_STATUS_HEADER];
  if (failed !== undefined) {
    r.body.resume();
    const message = h[GRPC_MESSAGE_HEADER];
    throw new GrpcStatusError(Number(failed) as grpc.status, decodeMessage(Array.isArray(message) ? message[0] : message));
  }
  const answerHeaders: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v === undefined || notHanded.has(k)) continue;
    answerHeaders[k] = typeof v === "string" ? v : v.join(", ");
  }
  const appLength = h[CONTENT_LENGTH_HEADER];
  if (typeof appLength === "string") answerHeaders["content-length"] = appLength;
  const ct = h[CONTENT_TYPE_HEADER] ?? h["content-type"];
  const contentType = typeof ct === "string" ? ct : "";
  // A small answer of known length is read whole here (it is all in, or nearly): the usual case.
  const length = Number(h["content-length"] ?? NaN);
  const answer: Readable | Buffer = length <= STREAM_CHUNK_BYTES ? await readWhole(r.body) : r.body;
  return { status: r.statusCode, headers: answerHeaders, contentType, body: answer };
}
