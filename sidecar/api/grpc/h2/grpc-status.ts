// How a gRPC call over HTTP/2 ended, read as grpc-js reads it, so callers can
// treat errors from the lean channel exactly like grpc-js ServiceErrors
// (`code`, `details`, `metadata`, message "<code> <NAME>: <details>").
import type { IncomingHttpHeaders } from "node:http2";
import * as grpc from "@grpc/grpc-js";

export class GrpcStatusError extends Error {
  readonly metadata: grpc.Metadata;

  constructor(readonly code: grpc.status, readonly details: string, metadata?: grpc.Metadata) {
    super(`${code} ${grpc.status[code]}: ${details}`);
    this.metadata = metadata ?? new grpc.Metadata();
  }
}

/** The gRPC code for a non-200 HTTP status (gRPC's HTTP-to-gRPC status mapping). */
export function codeForHttpStatus(httpStatus: number): grpc.status {
  switch (httpStatus) {
    case 400: return grpc.status.INTERNAL;
    case 401: return grpc.status.UNAUTHENTICATED;
    case 403: return grpc.status.PERMISSION_DENIED;
    case 404: return grpc.status.UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return grpc.status.UNAVAILABLE;
    default: return grpc.status.UNKNOWN;
  }
}

/** Custom metadata of a header block (no pseudo-headers, no grpc-* or transport headers). */
export function metadataOf(headers: IncomingHttpHeaders): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k.startsWith(":") || k.startsWith("grpc-") || k === "content-type" || k === "date") continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      if (k.endsWith("-bin")) md.add(k, Buffer.from(one, "base64"));
      else md.add(k, one);
    }
  }
  return md;
}

/**
 * The status carried by a header block (trailers, or the headers of a
 * trailers-only answer); undefined when it carries none.
 */
export function statusOf(headers: IncomingHttpHeaders | undefined): { code: grpc.status; details: string } | undefined {
  const raw = headers?.["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(Array.isArray(raw) ? raw[0] : raw);
  const message = headers!["grpc-message"];
  return { code: Number.isInteger(code) ? code : grpc.status.UNKNOWN, details: decodeMessage(Array.isArray(message) ? message[0] : message) };
}

/** grpc-message is percent-encoded; a malformed encoding is shown as sent. */
export function decodeMessage(m: string | undefined): string {
  if (!m) return "";
  try {
    return decodeURIComponent(m);
  } catch {
    return m;
  }
}
