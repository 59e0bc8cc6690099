// Caller side of CallLocalStream: sends the request header, then the body in
// payload chunks as fast as the callee takes them; resolves once the callee's
// response header arrives, with the response body as a stream.
import { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { chunked, payloadData, writeWithBackpressure, type StreamPayload } from "./stream-payloads.js";

export interface StreamedAnswer {
  status: number;
  headers: Record<string, { values: string[] }>;
  contentType: string;
  body: Readable;
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

/** `request` is an InternalInvokeRequest without data; `body` undefined means an empty body. */
export async function callLocalStream(client: grpc.Client, request: unknown, body: AsyncIterable<Buffer> | undefined, signal: AbortSignal): Promise<StreamedAnswer> {
  const call = (client as StreamClient).CallLocalStream(new grpc.Metadata(), {});
  const onAbort = () => call.cancel();
  if (signal.aborted) call.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  let ended = false;
  call.once("close", () => (ended = true));
  call.once("status", () => (ended = true));

  const pump = async () => {
    await writeWithBackpressure(call, { request });
    let seq = 0;
    if (body) {
      for await (const data of chunked(body)) {
        // The callee may answer (e.g. access denied) without reading the body: stop sending then.
        if (ended) return;
        await writeWithBackpressure(call, { payload: { data, seq: seq++ } });
      }
    }
    if (!ended) call.end();
  };
  pump().catch(() => {
    // The caller's body broke off (client went away): the call cannot complete.
    call.cancel();
  });

  const it = call[Symbol.asyncIterator]() as AsyncIterator<ResponseStreamMessage>;
  try {
    const first = await it.next();
    if (first.done || !first.value.response) throw new Error("the target sidecar closed the stream without a response");
    const r = first.value.response;
    return {
      status: r.status?.code ?? 200,
      headers: r.headers ?? {},
      contentType: r.message?.content_type ?? "",
      body: Readable.from(payloadData(first.value.payload, it), { objectMode: false }),
    };
  } catch (err) {
    call.cancel();
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
