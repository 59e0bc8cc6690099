// The keep-alive connections one dapr-ts sidecar keeps to another's internal
// port for invocations over HTTP/1.1 (call-local-http1-wire.ts). A module of
// its own, loaded on first use: undici's pool stays out of sidecars that never
// call another (test/e2e/startup-footprint.test.ts).
import { Pool } from "../../app-channel/undici-pool.js";
import { MAX_HEADER_BYTES } from "../../api/grpc/internal-http1.js";

/** The callee keeps idle connections 60 s (api/grpc/internal-http1.ts): this side lets them go first. */
const IDLE_MS = 30_000;

/** Keep-alive connections to one callee sidecar's internal port. */
export function http1PoolTo(host: string, port: number): Pool {
  const h = host.includes(":") ? `[${host}]` : host;
  return new Pool(`http://${h}:${port}`, {
    keepAliveTimeout: IDLE_MS,
    keepAliveMaxTimeout: IDLE_MS,
    maxHeaderSize: MAX_HEADER_BYTES,
    // A call takes as long as the app takes (a resiliency timeout, if any, cuts it), as over gRPC.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}
