// Callee side of invocations over framed TCP from another dapr-ts sidecar
// (wire format: call-local-frames-wire.ts). The internal port hands over each
// connection that opens with the preface (api/grpc/internal-frames.ts); each
// call on it is served by serveCallLocalStream, the code that serves
// CallLocalStream over HTTP/2, through the CalleeCall below.
//
// Back-pressure: pause() withholds the caller's credit (the request's window,
// call-local-frames-wire.ts), so the caller stops sending; the socket is read
// all along, so a caller that goes away is seen at once. write() waits for
// 'drain'.
import type { Socket } from "node:net";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import type { FrameReader } from "../../api/grpc/h2/grpc-frames.js";
import { decodeRequestMessage, encodeResponseFrame, type DecodedRequestMessage } from "./call-local-stream-codec.js";
import { Cancellation, type CalleeCall, type CalleeResponseMessage, type RequestSink } from "./call-local-stream-server.js";
import { creditFrame, END, endFrame, framesReader, MESSAGE, PREFACE, PrefaceCheck, REQUEST_WINDOW_BYTES } from "./call-local-frames-wire.js";
import { writeWithBackpressure } from "./stream-payloads.js";

/** Longer than callers keep an idle connection (call-local-frames-client.ts): they close first. */
const IDLE_MS = 60_000;
const DONE = Promise.resolve();
/** Credit goes back in steps of a quarter window, not per message. */
const GRANT_AT_BYTES = REQUEST_WINDOW_BYTES / 4;

/** The framed connections of one internal port, and their shutdown. */
export class FramesConnections {
  private readonly open = new Set<FramesCalleeConnection>();
  private readonly sweep: NodeJS.Timeout;
  private closing: { resolve(): void } | undefined;

  /** `idleMs`: how long a connection may wait for a call before it is closed (checked every half of it). */
  constructor(private readonly serve: (call: CalleeCall) => void, idleMs = IDLE_MS) {
    this.sweep = setInterval(() => {
      const before = performance.now() - idleMs;
      for (const c of this.open) if (c.idleSince !== undefined && c.idleSince < before) c.destroy();
    }, idleMs / 2);
    this.sweep.unref();
  }

  get connections(): number {
    return this.open.size;
  }

  /** Serves the calls on `socket`, which starts with the caller's preface. */
  take(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn = new FramesCalleeConnection(socket, this.serve, () => this.closing !== undefined);
    this.open.add(conn);
    socket.once("close", () => {
      this.open.delete(conn);
      this.checkClosed();
    });
  }

  /** Idle connections close now, busy ones after their call; whatever is left after `graceMs` is cut. */
  close(graceMs: number): Promise<void> {
    clearInterval(this.sweep);
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        for (const c of this.open) c.destroy();
      }, graceMs);
      force.unref();
      this.closing = {
        resolve: () => {
          clearTimeout(force);
          resolve();
        },
      };
      for (const c of this.open) if (c.idleSince !== undefined) c.destroy();
      this.checkClosed();
    });
  }

  private checkClosed(): void {
    if (this.closing && this.open.size === 0) this.closing.resolve();
  }
}

/** One caller's connection: calls one after another. */
class FramesCalleeConnection {
  /** When the last call ended (undefined while one is under way). */
  idleSince: number | undefined = performance.now();
  private readonly reader: FrameReader = framesReader();
  private readonly preface = new PrefaceCheck();
  private call: FramesCalleeCall | undefined;

  constructor(readonly socket: Socket, private readonly serve: (call: CalleeCall) => void, private readonly closing: () => boolean) {
    socket.setNoDelay(true);
    socket.write(PREFACE);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    // The call learns at the 'error' already: 'close' comes later, after the writes that would
    // have waited for it (an app's answer read in a loop of resolved writes) had spun on.
    const lost = () => {
      const call = this.call;
      this.call = undefined;
      call?.connectionClosed();
    };
    socket.on("error", lost);
    socket.once("close", lost);
    // The sniffer paused it (api/grpc/internal-frames.ts): a 'data' listener alone does not resume it.
    socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The call ended both ways: the connection waits for the next (or closes, when the port is shutting down). */
  callDone(call: FramesCalleeCall): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.idleSince = performance.now();
    if (this.closing()) this.socket.end();
  }

  private onData(chunk: Buffer): void {
    let frames = chunk;
    if (!this.preface.done) {
      const n = this.preface.take(chunk);
      if (n < 0) return this.destroy();
      frames = chunk.subarray(n);
      if (!frames.length) return;
    }
    let messages: Buffer[];
    try {
      messages = this.reader.push(frames);
    } catch {
      // Not this protocol (or a broken peer): nothing more on this connection can be read.
      return this.destroy();
    }
    const flags = this.reader.flags;
    for (let i = 0; i < messages.length; i++) {
      let call = this.call;
      if (!call) {
        // A new call opens with a message; a lone END, or a call while shutting down, is refused.
        if (flags[i] === END || this.closing()) return this.destroy();
        call = this.call = new FramesCalleeCall(this);
        this.idleSince = undefined;
        this.serve(call);
      }
      // A caller sends no CREDIT: only a broken one would.
      if (flags[i] === END) call.requestEnded();
      else if (flags[i] === MESSAGE) call.message(messages[i]!);
      else return this.destroy();
    }
  }
}

/** One call, as serveCallLocalStream drives it. */
class FramesCalleeCall implements CalleeCall {
  private readonly cancellation = new Cancellation();
  private sink: RequestSink | undefined;
  /** The request's END has arrived. */
  private requestOver = false;
  /** The answer's END is on its way (or the connection is gone): nothing more is sent. */
  private answerOver = false;
  /** The request's reader wants no more for now: no credit goes out. */
  private paused = false;
  /** Request bytes received and not yet granted back to the caller. */
  private ungranted = 0;

  constructor(private readonly conn: FramesCalleeConnection) {}

  listen(sink: RequestSink): void {
    this.sink = sink;
  }

  unlisten(): void {
    this.sink = undefined;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.grant();
  }

  write(m: CalleeResponseMessage): Promise<void> {
    if (this.conn.socket.destroyed) this.connectionClosed();
    if (this.answerOver) return DONE;
    return writeWithBackpressure(this.conn.socket, encodeResponseFrame(m.response, m.payload));
  }

  end(last?: CalleeResponseMessage): void {
    if (this.answerOver) return;
    // The last message and the END frame in one buffer: one plain write, no corked pair.
    this.finish(last ? encodeResponseFrame(last.response, last.payload, endFrame()) : endFrame());
  }

  fail(err: unknown): void {
    if (this.answerOver) return;
    const e = toServiceError(err);
    this.finish(endFrame(e.code, e.details));
    this.dropRequest();
  }

  get cancelled(): boolean {
    return this.cancellation.cancelled;
  }

  onCancel(listener: () => void): () => void {
    return this.cancellation.on(listener);
  }

  message(bytes: Buffer): void {
    this.ungranted += bytes.length + 5;
    if (!this.sink) return this.grant(); // nobody reads the request any more: the rest is dropped, and let come
    let m: DecodedRequestMessage;
    try {
      m = decodeRequestMessage(bytes);
    } catch {
      return this.fail(new Error("Error deserializing request"));
    }
    this.sink.message(m);
    // The reader took it without asking for a pause: once a quarter of the window is used, the caller may
    // send as much again. (A small call never gets here: its one message arrives whole, and no credit goes out.)
    if (!this.paused && this.ungranted >= GRANT_AT_BYTES) this.grant();
  }

  requestEnded(): void {
    this.requestOver = true;
    const sink = this.sink;
    this.sink = undefined;
    sink?.end();
    if (this.answerOver) this.conn.callDone(this);
  }

  /** The connection went away before the call ended: the caller cancelled. */
  connectionClosed(): void {
    this.answerOver = true;
    this.dropRequest();
    this.cancellation.fire();
  }

  /** Gives the caller back the window its delivered messages used. */
  private grant(): void {
    if (this.ungranted === 0 || this.answerOver || this.requestOver || this.conn.socket.destroyed) return;
    this.conn.socket.write(creditFrame(this.ungranted));
    this.ungranted = 0;
  }

  /** Sends `end` (bytes ending with the END frame) and settles the call's answer. */
  private finish(end: Buffer): void {
    this.answerOver = true;
    if (!this.conn.socket.destroyed) this.conn.socket.write(end);
    if (this.requestOver) this.conn.callDone(this);
  }

  /** The call is over while its request was still being read: the reader fails, the rest of the request is dropped. */
  private dropRequest(): void {
    const sink = this.sink;
    if (!sink) return;
    this.sink = undefined;
    sink.close();
    this.paused = false;
    this.grant();
  }
}
