// Caller side of CallLocalStream: sends the request header, then the body in
// payload chunks as fast as the callee takes them; resolves once the callee's
// response header arrives, with the response body as a stream (or a Buffer when
// the callee sent a whole small body at once).
import type { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { chunked, openBody, writeWithBackpressure, type StreamPayload } from "./stream-payloads.js";

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

type StreamClient = grpc.Client & { CallLocalStream(md: grpc.Metadata, opts: grpc.CallOptions): grpc.ClientDuplexStream<unknown, ResponseStreamMessage> };

/**
 * `request` is an InternalInvokeRequest without data. `body`: a Buffer (or
 * undefined, no body) is sent whole in the leading message; a stream goes out in chunks.
 */
export async function callLocalStream(client: grpc.Client, request: unknown, body: AsyncIterable<Buffer> | Buffer | undefined, signal: AbortSignal): Promise<StreamedAnswer> {
  const call = (client as StreamClient).CallLocalStream(new grpc.Metadata(), {});
  const onAbort = () => call.cancel();
  if (signal.aborted) call.cancel();
  signal.addEventListener("abort", onAbort, { once: true });

  if (body === undefined || Buffer.isBuffer(body)) {
    call.write({ request, payload: { data: body ?? Buffer.alloc(0), seq: 0 } });
    call.end();
  } else {
    pump(call, request, body).catch(() => {
      // The caller's body broke off (client went away): the call cannot complete.
      call.cancel();
    });
  }

  // Not destroyOnReturn: the request body may still be going out when the answer is read.
  const it = call.iterator({ destroyOnReturn: false }) as AsyncIterator<ResponseStreamMessage>;
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

async function pump(call: grpc.ClientDuplexStream<unknown, ResponseStreamMessage>, request: unknown, body: AsyncIterable<Buffer>): Promise<void> {
  let ended = false;
  call.once("close", () => (ended = true));
  call.once("status", () => (ended = true));
  await writeWithBackpressure(call, { request });
  let seq = 0;
  for await (const data of chunked(body)) {
    // The callee may answer (e.g. access denied) without reading the body: stop sending then.
    if (ended) return;
    await writeWithBackpressure(call, { payload: { data, seq: seq++ } });
  }
  if (!ended) call.end();
}
