// Where `tracing.otel.endpointAddress` points, for each protocol. daprd hands
// the address to OpenTelemetry's Go exporters as host[:port]: `isSecure` picks
// https/TLS or http/plaintext, and OTLP/HTTP posts to the signal path /v1/traces.
// We also accept an address that already has a scheme (and, for HTTP, a path),
// because users paste full URLs: then the scheme decides and a given path is kept.

export interface OtlpExporterOptions {
  endpoint: string;
  isSecure: boolean;
  headers: Record<string, string>;
  /** The app id, the resource's default `service.name`. */
  serviceName: string;
}

const schemeRe = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The OTLP/HTTP traces URL, e.g. "localhost:4318" (insecure) -> http://localhost:4318/v1/traces. */
export function otlpHttpUrl(endpoint: string, isSecure: boolean): URL {
  const trimmed = endpoint.trim();
  const url = new URL(schemeRe.test(trimmed) ? trimmed : `${isSecure ? "https" : "http"}://${trimmed}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`tracing.otel.endpointAddress ${JSON.stringify(endpoint)}: scheme must be http or https`);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/v1/traces";
  return url;
}

/** The gRPC target ("host:port") and whether to use TLS. */
export function otlpGrpcTarget(endpoint: string, isSecure: boolean): { target: string; secure: boolean } {
  const trimmed = endpoint.trim().replace(/\/+$/, "");
  const m = schemeRe.exec(trimmed);
  if (!m) return { target: trimmed, secure: isSecure };
  const scheme = m[1]!.toLowerCase();
  if (scheme !== "http" && scheme !== "https") return { target: trimmed, secure: isSecure }; // e.g. dns:///, left to grpc-js
  return { target: trimmed.slice(m[0].length), secure: scheme === "https" };
}
