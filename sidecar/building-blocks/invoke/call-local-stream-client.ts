// Caller side of CallLocalStream: sends the request header, then the body in
// payload chunks as fast as the callee takes them; resolves once the callee's
// response header arrives, with the response body as a stream (or a Buffer when
// the callee sent a whole small body at once). Runs on the lean HTTP/2 channel.
import type { Readable } from "node:stream";
import type { H2GrpcCall } from "../../api/grpc/h2/grpc-call.js";
import type { H2GrpcChannel } from "../../api/grpc/h2/grpc-channel.js";
import { serviceByName } from "../../api/grpc/protos.js";
import { chunked, openBody, type StreamPayload } from "./stream-payloads.js";

export interface StreamedAnswer {
  status: number;
  headers: Record<string, { values: string[] }>;
  contentType: string;
  body: Readable | Buffer;
}

interface ResponseStreamMessage {
  response?: {
    status: { code: number; message: string } | null;
    headers: Record<string, { values: string[] }>;
    message: { content_type: string } | null;
  } | null;
  payload?: StreamPayload | null;
}

function method() {
  return serviceByName("dapr.proto.internals.v1.ServiceInvocation")["CallLocalStream"]!;
}

/**
 * `request` is an InternalInvokeRequest without data. `body`: a Buffer (or
 * undefined, no body) is sent whole in the leading message; a stream goes out in chunks.
 */
export async function callLocalStream(channel: H2GrpcChannel, request: unknown, body: AsyncIterable<Buffer> | Buffer | undefined, signal: AbortSignal): Promise<StreamedAnswer> {
  const def = method();
  const call = channel.start(def.path);
  // Only until the answer's head is in: the body that follows is cancelled by whoever reads it.
  const onAbort = () => call.cancel();
  if (signal.aborted) call.cancel();
  signal.addEventListener("abort", onAbort, { once: true });

  if (body === undefined || Buffer.isBuffer(body)) {
    call.end(def.requestSerialize({ request, payload: { data: body ?? Buffer.alloc(0), seq: 0 } }));
  } else {
    pump(call, def.requestSerialize, request, body).catch(() => {
      // The caller's body broke off (client went away): the call cannot complete.
      call.cancel();
    });
  }

  const it: AsyncIterator<ResponseStreamMessage> = {
    next: async () => {
      const m = await call.next();
      return m === undefined ? { done: true, value: undefined } : { done: false, value: def.responseDeserialize(m) as ResponseStreamMessage };
    },
    // The call ends by itself once the answer is read; a reader that stops early cancels it (below).
    return: async () => ({ done: true, value: undefined }),
  };
  try {
    const first = await it.next();
    if (first.done || !first.value.response) throw new Error("the target sidecar closed the stream without a response");
    const r = first.value.response;
    const answer = await openBody(first.value.payload, it, false);
    // Whoever reads the answer stopped (or it ended): a finished call ignores this, a running one stops.
    if (!Buffer.isBuffer(answer)) answer.once("close", () => call.cancel());
    return { status: r.status?.code ?? 200, headers: r.headers ?? {}, contentType: r.message?.content_type ?? "", body: answer };
  } catch (err) {
    call.cancel();
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

async function pump(call: H2GrpcCall, serialize: (m: unknown) => Buffer, request: unknown, body: AsyncIterable<Buffer>): Promise<void> {
  await call.send(serialize({ request }));
  let seq = 0;
  for await (const data of chunked(body)) {
    // The callee may answer (e.g. access denied) without reading the body: stop sending then.
    if (call.finished) return;
    await call.send(serialize({ payload: { data, seq: seq++ } }));
  }
  call.end();
}
