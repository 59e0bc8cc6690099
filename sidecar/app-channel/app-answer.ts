// One call into the app on undici's dispatcher, for service invocation: its
// status, headers and body, with a small body of announced length read whole
// (the usual answer: it then goes on in one message) and any other body as a
// stream with back-pressure.
//
// `pool.request()` would wrap every call in an AsyncResource, build a
// BodyReadable stream even for a two-byte answer, parse the headers into an
// object and then have them copied again: a few microseconds per call on the
// hottest path of the callee's sidecar, for nothing it needs.
import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Pool } from "./undici-pool.js";
import { RecentNames, type SliceableBuffer } from "../util/recent-names.js";

/** Answers of at most this many announced bytes are read whole (as CallLocalStream sends one chunk whole). */
export const WHOLE_ANSWER_BYTES = 64 * 1024;

// The app answers with the same few header names every time (Date, Content-Length, ...): read
// as HTTP/1.1 carries them (latin1), lower-cased.
const recentNames = new RecentNames(32, (buf, start, end) => (buf as SliceableBuffer).latin1Slice(start, end).toLowerCase());

export interface AppAnswer {
  status: number;
  headers: Record<string, string>;
  /** Whole when small and of announced length; else a stream that must be read to its end or destroyed. */
  body: Buffer | Readable;
}

export interface AppCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | Readable | undefined;
}

/**
 * Resolves once the app's answer is in: whole, or with its head and a body stream.
 * `settled` is called once the call is over (the body read, dropped, or failed).
 */
export function callApp(pool: Pool, call: AppCall, settled: () => void): Promise<AppAnswer> {
  return new Promise((resolve, reject) => {
    pool.dispatch({ method: call.method as Dispatcher.HttpMethod, path: call.path, headers: call.headers, body: call.body ?? null }, new AnswerReader(call, resolve, reject, settled));
  });
}

/** undici's dispatch handler for one call (its callback-style interface). */
class AnswerReader implements Dispatcher.DispatchHandler {
  private abort: ((err?: Error) => void) | undefined;
  private status = 0;
  private headers: Record<string, string> | undefined;
  /** Whole mode: the chunks so far. */
  private chunks: Buffer[] | undefined;
  /** Stream mode: the body handed out. */
  private stream: Readable | undefined;
  private done = false;

  constructor(
    private readonly call: AppCall,
    private readonly resolve: (a: AppAnswer) => void,
    private readonly reject: (err: Error) => void,
    private readonly settled: () => void,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
    if (statusCode < 200) return true;
    this.status = statusCode;
    const headers: Record<string, string> = {};
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = recentNames.read(rawHeaders[i]!, 0, rawHeaders[i]!.length);
      if (name === "__proto__") continue;
      const value = (rawHeaders[i + 1] as SliceableBuffer).latin1Slice(0, rawHeaders[i + 1]!.length);
      const before = headers[name];
      headers[name] = before === undefined ? value : `${before}, ${value}`;
    }
    this.headers = headers;
    const length = Number(headers["content-length"] ?? NaN);
    if (length <= WHOLE_ANSWER_BYTES || this.call.method === "HEAD") {
      this.chunks = [];
      return true;
    }
    const stream = new Readable({
      highWaterMark: WHOLE_ANSWER_BYTES,
      read: () => resume(),
      destroy: (err, cb) => {
        // The reader stopped before the end: the call is cut (its connection is not reused).
        if (!this.done) {
          this.done = true;
          this.abort?.(err ?? new Error("the app's answer was not read to its end"));
          this.settled();
        }
        cb(err);
      },
    });
    this.stream = stream;
    this.resolve({ status: statusCode, headers, body: stream });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks) {
      this.chunks.push(chunk);
      return true;
    }
    return this.stream ? this.stream.push(chunk) : true;
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    if (this.chunks) {
      const c = this.chunks;
      this.resolve({ status: this.status, headers: this.headers!, body: c.length === 1 ? c[0]! : Buffer.concat(c) });
    } else this.stream?.push(null);
    this.settled();
  }

  onError(err: Error): void {
    const body = this.call.body;
    // A request body still streaming in is dropped with the call, as undici's own request API does.
    if (body instanceof Readable && !body.destroyed) body.destroy(err);
    if (this.done) return;
    this.done = true;
    if (this.stream) this.stream.destroy(err);
    else this.reject(err);
    this.settled();
  }
}
