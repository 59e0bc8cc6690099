// Callee side of CallLocalStream: reads the request header, hands the app a
// body that is pulled from the stream as the app reads it, then sends the app's
// status and headers followed by its body in payload chunks, pausing whenever
// the caller's side is not keeping up.
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { DaprError } from "../../errors/catalog.js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import { fromListMap, toListMap } from "./internal-client.js";
import type { InvokeCore } from "./invoke-core.js";
import { chunked, openBody, STREAM_CHUNK_BYTES, writeWithBackpressure, type StreamPayload } from "./stream-payloads.js";

interface RequestStreamMessage {
  request?: {
    metadata: Record<string, { values: string[] }>;
    message: {
      method: string;
      content_type: string;
      http_extension: { verb: string; querystring: string } | null;
    } | null;
  } | null;
  payload?: StreamPayload | null;
}

type Call = grpc.ServerDuplexStream<RequestStreamMessage, unknown>;

export function callLocalStreamHandler(core: InvokeCore): grpc.handleBidiStreamingCall<RequestStreamMessage, unknown> {
  return (call) => {
    serve(core, call).catch((err) => failCall(call, err));
  };
}

async function serve(core: InvokeCore, call: Call): Promise<void> {
  // destroyOnReturn: false — finishing (or dropping) the request body must not tear down the
  // call: the response still goes out on it.
  const it = call.iterator({ destroyOnReturn: false }) as AsyncIterator<RequestStreamMessage>;
  const first = await it.next();
  if (first.done || !first.value.request) throw new Error("CallLocalStream: the first message must carry the request");
  const req = first.value.request;
  const m = req.message ?? { method: "", content_type: "", http_extension: null };
  const headers = fromListMap(req.metadata);
  const verb = m.http_extension?.verb && m.http_extension.verb !== "NONE" ? m.http_extension.verb : "POST";

  // Waits for the first chunk (or the end) before calling the app: an empty body is sent as none (GETs must not carry one).
  const opened = await openBody(first.value.payload, it, true);
  const body = Buffer.isBuffer(opened) ? (opened.length ? opened : undefined) : opened;

  let answer;
  try {
    answer = await core.handleInboundStream({
      callerAppId: headers["dapr-caller-app-id"], callerNamespace: headers["dapr-caller-namespace"],
      method: m.method, verb, query: m.http_extension?.querystring ?? "", headers, body, contentType: m.content_type || undefined,
    });
  } catch (err) {
    if (body && !Buffer.isBuffer(body)) body.destroy();
    if (!(err instanceof DaprError)) throw err;
    // Dapr errors of the callee (e.g. an access-control deny) travel back as the HTTP answer, as on CallLocal.
    await writeWithBackpressure(call, {
      response: { status: { code: err.httpStatus, message: err.message }, headers: toListMap({ "content-type": "application/json" }), message: { content_type: "application/json" } },
      payload: { data: Buffer.from(JSON.stringify(err.toJSON())), seq: 0 },
    });
    call.end();
    return;
  }

  const response = { status: { code: answer.status, message: "" }, headers: toListMap(answer.headers), message: { content_type: answer.contentType ?? "" } };
  // A small answer of known length goes whole in one message: the usual case, and the cheapest.
  const length = Number(answer.headers["content-length"] ?? NaN);
  if (length <= STREAM_CHUNK_BYTES) {
    const data = Buffer.concat(await answer.body.toArray());
    if (data.length <= STREAM_CHUNK_BYTES) {
      await writeWithBackpressure(call, { response, payload: { data, seq: 0 } });
      call.end();
      return;
    }
    answer.body = Readable.from([data]);
  }

  // The caller went away: stop reading the app's answer.
  const onCancel = () => answer.body.destroy();
  call.once("cancelled", onCancel);
  try {
    await writeWithBackpressure(call, { response });
    let seq = 0;
    for await (const chunk of chunked(answer.body)) {
      if (call.cancelled) return;
      await writeWithBackpressure(call, { payload: { data: chunk, seq: seq++ } });
    }
    call.end();
  } finally {
    call.off("cancelled", onCancel);
  }
}

function failCall(call: Call, err: unknown): void {
  if (call.cancelled || call.destroyed) return;
  call.emit("error", toServiceError(err));
}
