// Which metadata crosses each hop of a proxied gRPC call. The app's own
// metadata passes unchanged (dapr-app-id included: the callee's sidecar reads
// it); Dapr's API token stays with the sidecar that checked it; the caller's
// sidecar stamps who calls whom and the trace context. Keys that belong to
// one HTTP/2 exchange (content type, encodings, timeout, user agent) are left
// to grpc-js, which sets them afresh on every hop.
import * as grpc from "@grpc/grpc-js";

const transportKeys = new Set([
  "content-type", "te", "user-agent", "host", "connection", "date", "accept-encoding",
  "grpc-encoding", "grpc-accept-encoding", "grpc-timeout", "grpc-status", "grpc-message",
]);

/** A copy of `md` without the keys grpc-js sets itself on every exchange. */
export function withoutTransportKeys(md: grpc.Metadata): grpc.Metadata {
  const out = md.clone();
  for (const key of Object.keys(out.getMap())) if (transportKeys.has(key) || key.startsWith(":")) out.remove(key);
  return out;
}

export interface CallerStamp {
  callerAppId: string;
  callerNamespace: string;
  calleeAppId: string;
  traceparent: string;
}

/**
 * The metadata the caller's sidecar sends on to the callee's: the app's own,
 * less `dapr-api-token`, with Dapr's caller/callee ids and trace context set
 * (replacing whatever the app sent under those names: they are not the app's to claim).
 */
export function outboundRequestMetadata(incoming: grpc.Metadata, stamp: CallerStamp): grpc.Metadata {
  const md = withoutTransportKeys(incoming);
  md.remove("dapr-api-token");
  md.set("dapr-caller-app-id", stamp.callerAppId);
  md.set("dapr-caller-namespace", stamp.callerNamespace);
  md.set("dapr-callee-app-id", stamp.calleeAppId);
  md.set("traceparent", stamp.traceparent);
  return md;
}

/** The first value of a text metadata key, or undefined. */
export function firstValue(md: grpc.Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return typeof v === "string" ? v : undefined;
}

/** Dapr's notion of a true flag (kit/utils IsTruthy), used for `dapr-stream`. */
export function isTruthy(v: string | undefined): boolean {
  return ["y", "yes", "true", "t", "on", "1"].includes((v ?? "").trim().toLowerCase());
}

/** "/package.Service/Method": the only shape of path a gRPC call can have. */
export function isMethodPath(path: string): boolean {
  return /^\/[^/]+\/[^/]+$/.test(path);
}
