// gRPC adapters of service invocation: the Dapr service's InvokeService RPC
// (app -> its sidecar) and the internal CallLocal / CallLocalStream RPCs (sidecar -> sidecar).
import * as grpc from "@grpc/grpc-js";
import { DaprError } from "../../errors/catalog.js";
import { unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import { withRawHandler } from "../../api/grpc/unary-fast-path.js";
import { callLocalStreamRaw } from "./call-local-stream-h2.js";
import { callLocalStreamHandler } from "./call-local-stream-server.js";
import { fromListMap, toListMap } from "./internal-client.js";
import type { InvokeCore, InvokeRequest, InvokeResponse } from "./invoke-core.js";
import { chunked, readWhole, STREAM_CHUNK_BYTES } from "./stream-payloads.js";

interface ProtoInvokeRequest {
  method: string;
  data: { type_url: string; value: Buffer } | null;
  content_type: string;
  http_extension: { verb: string; querystring: string } | null;
}

function verbOf(m: ProtoInvokeRequest): string {
  const v = m.http_extension?.verb;
  return v && v !== "NONE" ? v : "POST";
}

/**
 * A call whose request and answer are whole messages (InvokeService). Where the
 * target's policy never replays the call, a large body streams in chunks as
 * HTTP invocation's does; a policy with retries goes through core.invoke(),
 * which sends the whole request in one message and replays it.
 */
async function invokeWhole(core: InvokeCore, req: InvokeRequest): Promise<InvokeResponse> {
  if (!core.canStream(req.targetAppId, req.method)) return core.invoke(req);
  const body = req.body.length <= STREAM_CHUNK_BYTES ? req.body : chunked(once(req.body));
  // Object literals, not spreads with a property after them: those cost about a microsecond each in Node 20.
  const r = await core.invokeStream({
    targetAppId: req.targetAppId, targetNamespace: req.targetNamespace, method: req.method, verb: req.verb,
    query: req.query, headers: req.headers, body, contentType: req.contentType,
  });
  return { status: r.status, headers: r.headers, contentType: r.contentType, body: Buffer.isBuffer(r.body) ? r.body : await readWhole(r.body) };
}

async function* once(body: Buffer): AsyncGenerator<Buffer> {
  yield body;
}

export function invokeGrpcHandlers(core: InvokeCore): GrpcHandlers {
  return {
    InvokeService: unary(async (req: { id: string; message: ProtoInvokeRequest | null }, call) => {
      const m = req.message ?? { method: "", data: null, content_type: "", http_extension: null };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) if (!k.startsWith(":") && k !== "dapr-api-token") headers[k] = String(v);
      const r = await invokeWhole(core, {
        targetAppId: req.id, method: m.method, verb: verbOf(m), query: m.http_extension?.querystring ?? "",
        headers, body: m.data?.value ?? Buffer.alloc(0), contentType: m.content_type || undefined,
      });
      const md = new grpc.Metadata();
      md.set("dapr-http-status", String(r.status));
      call.sendMetadata(md);
      return { data: { type_url: "", value: r.body }, content_type: r.contentType ?? "" };
    }),
  };
}

export function invokeInternalHandlers(core: InvokeCore): GrpcHandlers {
  return {
    // Served raw off the HTTP/2 stream by the internal server; the grpc-js handler serves what that path does not take.
    CallLocalStream: withRawHandler(callLocalStreamHandler(core) as GrpcHandlers[string], callLocalStreamRaw(core)),
    CallLocal: unary(async (req: { metadata: Record<string, { values: string[] }>; message: ProtoInvokeRequest | null }) => {
      const m = req.message ?? { method: "", data: null, content_type: "", http_extension: null };
      const headers = fromListMap(req.metadata);
      try {
        const r = await core.handleInbound({
          callerAppId: headers["dapr-caller-app-id"], callerNamespace: headers["dapr-caller-namespace"],
          method: m.method, verb: verbOf(m), query: m.http_extension?.querystring ?? "",
          headers, body: m.data?.value ?? Buffer.alloc(0), contentType: m.content_type || undefined,
        });
        return {
          status: { code: r.status, message: "" },
          headers: toListMap(r.headers),
          message: { data: { type_url: "", value: r.body }, content_type: r.contentType ?? "" },
        };
      } catch (err) {
        if (!(err instanceof DaprError)) throw err;
        // Dapr errors of the callee (e.g. an access-control deny) travel back as the HTTP answer.
        return {
          status: { code: err.httpStatus, message: err.message },
          headers: toListMap({ "content-type": "application/json" }),
          message: { data: { type_url: "", value: Buffer.from(JSON.stringify(err.toJSON())) }, content_type: "application/json" },
        };
      }
    }),
  };
}
