// Callee side of CallLocalStream: reads the request header, hands the app its
// body, then sends the app's status and headers followed by its body in
// payload chunks, pausing whenever the caller's side is not keeping up.
//
// The usual call is small both ways (one message in, one out), so that case
// avoids stream machinery: the request's messages are read with plain 'data'
// events, and a body that turns out whole (one chunk, then the caller's end)
// goes to the app as one Buffer. Only a body of several chunks becomes a
// stream, fed by the call and pausing it while the app is not reading.
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { DaprError } from "../../errors/catalog.js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import { fromListMap } from "./internal-client.js";
import type { InvokeCore } from "./invoke-core.js";
import { chunked, readWhole, STREAM_CHUNK_BYTES, writeWithBackpressure, type StreamPayload } from "./stream-payloads.js";

interface RequestHead {
  metadata: Record<string, { values: string[] }>;
  message: {
    method: string;
    content_type: string;
    http_extension: { verb: string; querystring: string } | null;
  } | null;
}

interface RequestStreamMessage {
  request?: RequestHead | null;
  payload?: StreamPayload | null;
}

type Call = grpc.ServerDuplexStream<RequestStreamMessage, unknown>;

// Hop-by-hop headers of the app's answer stay on this hop (RFC 9110 §7.6.1).
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);

export function callLocalStreamHandler(core: InvokeCore): grpc.handleBidiStreamingCall<RequestStreamMessage, unknown> {
  return (call) => {
    serve(core, call).catch((err) => failCall(call, err));
  };
}

async function serve(core: InvokeCore, call: Call): Promise<void> {
  const { head, body } = await readRequest(call);
  const m = head.message ?? { method: "", content_type: "", http_extension: null };
  const headers = fromListMap(head.metadata);
  const verb = m.http_extension?.verb && m.http_extension.verb !== "NONE" ? m.http_extension.verb : "POST";

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
      response: { status: { code: err.httpStatus, message: err.message }, headers: { "content-type": { values: ["application/json"] } }, message: { content_type: "application/json" } },
      payload: { data: Buffer.from(JSON.stringify(err.toJSON())), seq: 0 },
    });
    call.end();
    return;
  }

  const responseHeaders: Record<string, { values: string[] }> = {};
  for (const k in answer.headers) if (!hopByHop.has(k) && k !== "__proto__") responseHeaders[k] = { values: [answer.headers[k]!] };
  const response = { status: { code: answer.status, message: "" }, headers: responseHeaders, message: { content_type: answer.contentType ?? "" } };
  // A small answer of known length goes whole in one message: the usual case, and the cheapest.
  const length = Number(answer.headers["content-length"] ?? NaN);
  if (length <= STREAM_CHUNK_BYTES) {
    const data = await readWhole(answer.body);
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

/**
 * Reads the request head and decides what the body is: undefined (none, or
 * only empty chunks), a Buffer (one chunk, then the caller's end), or a stream
 * (a second chunk arrived first). Resolves as soon as that is known; checks
 * each chunk's `seq` (0, 1, 2, ...) and that only the first message has a head.
 */
function readRequest(call: Call): Promise<{ head: RequestHead; body: Buffer | Readable | undefined }> {
  return new Promise((resolve, reject) => {
    let head: RequestHead | undefined;
    let expected = 0;
    let held: Buffer | undefined;
    let stream: Readable | undefined;
    let ended = false;

    const detach = () => {
      call.off("data", onData);
      call.off("end", onEnd);
      call.off("close", onClose);
    };
    const fail = (err: Error) => {
      detach();
      if (stream) stream.destroy(err);
      else reject(err);
    };
    const take = (p: StreamPayload) => {
      if (Number(p.seq) !== expected) return fail(new Error(`stream chunk out of order: expected seq ${expected}, got ${p.seq}`));
      expected++;
      const data = p.data;
      if (!data.length) return;
      if (stream) {
        if (!stream.push(data)) call.pause();
        return;
      }
      if (!held) {
        held = data;
        return;
      }
      // More than one chunk: the app reads the body as it arrives.
      stream = new Readable({
        read: () => call.resume(),
        destroy: (err, cb) => {
          // The app stopped reading (or the body failed): the rest of the request is dropped, the call still answers.
          if (!ended) {
            detach();
            call.resume();
          }
          cb(err);
        },
      });
      stream.push(held);
      held = undefined;
      if (!stream.push(data)) call.pause();
      resolve({ head: head!, body: stream });
    };
    const onData = (m: RequestStreamMessage) => {
      if (!head) {
        if (!m.request) return fail(new Error("CallLocalStream: the first message must carry the request"));
        head = m.request;
        if (m.payload) take(m.payload);
        return;
      }
      if (!m.payload) return fail(new Error("CallLocalStream: a message after the first carries no payload"));
      take(m.payload);
    };
    const onEnd = () => {
      ended = true;
      detach();
      if (!head) return reject(new Error("CallLocalStream: the first message must carry the request"));
      if (stream) stream.push(null);
      else resolve({ head, body: held });
    };
    // A close before the end: the caller cancelled (grpc-js destroys the call).
    const onClose = () => fail(new Error("CallLocalStream: the caller cancelled the call"));

    call.on("data", onData);
    call.on("end", onEnd);
    call.on("close", onClose);
  });
}

function failCall(call: Call, err: unknown): void {
  if (call.cancelled || call.destroyed) return;
  call.emit("error", toServiceError(err));
}
