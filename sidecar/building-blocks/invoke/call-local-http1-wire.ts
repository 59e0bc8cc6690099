// How a service invocation travels between two dapr-ts sidecars over HTTP/1.1
// (the internal port takes it beside gRPC: api/grpc/internal-http1.ts).
//
// It carries exactly what a CallLocalStream call carries, as plain HTTP:
//   request:  POST /dapr-ts/invoke/<method>[?<query>]
//             the call's metadata as headers (caller id, traceparent, the app's headers)
//             dapr-ts-verb          the app's verb, when not POST
//             dapr-ts-content-type  the call's content type, when it differs from the content-type header
//             body                  the request body (any size, streamed with backpressure)
//   answer:   status                the callee app's status
//             the app's headers, with its content-length as dapr-ts-content-length
//             (this hop frames the body itself), dapr-ts-content-type as above
//             body                  the app's body
//   failure:  status 500 with dapr-ts-grpc-status / dapr-ts-grpc-message: the
//             callee sidecar could not serve the call (what gRPC would end with)
//
// A caller uses it only with a callee that said it takes it (the header
// below, on its CallLocalStream answers), and only for calls whose method,
// query and headers pass through HTTP/1.1 byte for byte; every other call,
// and every call to a Dapr sidecar, goes over gRPC.

/** Sent by a dapr-ts callee on its CallLocalStream answers: "this port also takes HTTP/1.1 calls". */
export const HTTP1_ADVERT_HEADER = "dapr-ts-internal-http1";
export const HTTP1_ADVERT_VALUE = "1";

export const INVOKE_PATH_PREFIX = "/dapr-ts/invoke/";

export const VERB_HEADER = "dapr-ts-verb";
export const CONTENT_TYPE_HEADER = "dapr-ts-content-type";
export const CONTENT_LENGTH_HEADER = "dapr-ts-content-length";
export const GRPC_STATUS_HEADER = "dapr-ts-grpc-status";
export const GRPC_MESSAGE_HEADER = "dapr-ts-grpc-message";

/** Headers this hop sets or interprets itself: a call whose metadata has one goes over gRPC. */
const transportHeaders = new Set([
  "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "expect", "content-length",
]);

/** Header names the receiving side drops from what it hands on: this hop's own, not the app's. */
export const hopHeaders = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding"]);

/** A method or query with no space, control, non-ASCII, '#' (or, in a method, '?') goes into a request line as is. */
const PLAIN_METHOD = /^[\x21-\x22\x24-\x3e\x40-\x7e]*$/;
const PLAIN_QUERY = /^[\x21-\x22\x24-\x7e]*$/;

/** True when the call passes through HTTP/1.1 unchanged (else it goes over gRPC). */
export function fitsHttp1(method: string, query: string, metadata: Record<string, string>): boolean {
  if (!PLAIN_METHOD.test(method) || (query !== "" && !PLAIN_QUERY.test(query))) return false;
  for (const k in metadata) {
    if (transportHeaders.has(k) || k.startsWith("dapr-ts-")) return false;
  }
  return true;
}
