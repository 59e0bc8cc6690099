// Caller side of invocations over framed TCP to another dapr-ts sidecar
// (wire format: call-local-frames-wire.ts). A FramesChannel keeps a pool of
// connections to one callee; each call leases one, and gives it back once the
// call has ended both ways. A FramesCall drives one call with the interface
// callLocalStream drives an HTTP/2 gRPC call with, so everything above the
// transport (bodies whole or streamed, answers, cancellation) is shared.
import net, { type Socket } from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { FrameReader } from "../../api/grpc/h2/grpc-frames.js";
import { GrpcStatusError } from "../../api/grpc/h2/grpc-status.js";
import type { CallerChannel, CallerStream } from "./call-local-stream-client.js";
import { writeWithBackpressure } from "./stream-payloads.js";
import { CREDIT, END, endFrame, framesReader, PREFACE, PrefaceCheck, readEnd, REQUEST_WINDOW_BYTES } from "./call-local-frames-wire.js";

/** The callee keeps idle connections 60 s (call-local-frames-server.ts): this side lets them go first. */
const IDLE_MS = 30_000;
/** A request's last frame up to this size is copied to go out with the END frame in one write. */
const ONE_WRITE_BYTES = 16 * 1024;
// Read-ahead: the connection stops reading once this many messages wait unread.
const HIGH_WATER = 8;

/**
 * The connection failed, or the peer broke the protocol: no status the callee
 * sent. `notFramesPeer`: the peer answered in another protocol (it served nothing).
 */
export class FramesConnectionError extends GrpcStatusError {
  constructor(code: grpc.status, details: string, readonly notFramesPeer = false) {
    super(code, details);
  }
}

/** Connections to one callee sidecar's internal port. */
export class FramesChannel implements CallerChannel {
  private readonly idle: FramesConnection[] = [];
  private readonly sweep: NodeJS.Timeout;
  private closed = false;

  /** `idleMs`: how long a connection may wait for a call before it is closed (checked every half of it). */
  constructor(readonly host: string, readonly port: number, idleMs = IDLE_MS) {
    this.sweep = setInterval(() => this.closeIdleSince(performance.now() - idleMs), idleMs / 2);
    this.sweep.unref();
  }

  start(): FramesCall {
    if (this.closed) throw new GrpcStatusError(grpc.status.UNAVAILABLE, "the channel is closed");
    const conn = this.idle.pop() ?? new FramesConnection(this);
    return conn.open();
  }

  /** Connections waiting for a call (for tests). */
  get idleConnections(): number {
    return this.idle.length;
  }

  /** Every idle connection closes; busy ones close once their call ends. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweep);
    for (const c of this.idle.splice(0)) c.destroy();
  }

  /** Called by a connection whose call ended cleanly: it waits here for the next call. */
  released(conn: FramesConnection): void {
    if (this.closed) return conn.destroy();
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  /** Called by a connection that closed: it is no longer offered. */
  forget(conn: FramesConnection): void {
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private closeIdleSince(before: number): void {
    for (const c of this.idle.filter((c) => c.idleSince < before)) {
      this.forget(c);
      c.destroy();
    }
  }
}

/** One TCP connection to the callee, carrying one call at a time. */
class FramesConnection {
  idleSince = 0;
  private readonly socket: Socket;
  private readonly reader: FrameReader = framesReader();
  private readonly preface = new PrefaceCheck();
  private call: FramesCall | undefined;
  private failure: Error | undefined;

  constructor(private readonly channel: FramesChannel) {
    this.socket = net.connect({ host: channel.host, port: channel.port, noDelay: true });
    this.socket.write(PREFACE);
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) => (this.failure ??= err));
    this.socket.on("close", () => {
      this.channel.forget(this);
      const call = this.call;
      this.call = undefined;
      call?.connectionClosed(this.failure);
    });
  }

  open(): FramesCall {
    this.call = new FramesCall(this);
    return this.call;
  }

  /** Writes one frame; resolves when the connection can take more (or is gone). */
  write(frame: Buffer): Promise<void> {
    return writeWithBackpressure(this.socket, frame);
  }

  /** Writes bytes that end the request (its last message with the END frame after it). */
  writeWhole(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /**
   * Writes the request's last frames in one go: a small one copied into one buffer with
   * the END frame (one plain write costs less than a corked pair), a large one corked.
   */
  writeLast(frame: Buffer | undefined, end: Buffer): void {
    if (!frame) {
      this.socket.write(end);
      return;
    }
    if (frame.length <= ONE_WRITE_BYTES) {
      this.socket.write(Buffer.concat([frame, end], frame.length + end.length));
      return;
    }
    this.socket.cork();
    this.socket.write(frame);
    this.socket.write(end);
    this.socket.uncork();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** The call ended both ways: the connection takes the next one. */
  finished(call: FramesCall): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.socket.resume();
    this.channel.released(this);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames = chunk;
    if (!this.preface.done) {
      const n = this.preface.take(chunk);
      if (n < 0) return this.broken(new FramesConnectionError(grpc.status.UNAVAILABLE, "the target sidecar's port does not take framed calls", true));
      frames = chunk.subarray(n);
    }
    const call = this.call;
    if (!frames.length) return;
    if (!call) return this.broken(new FramesConnectionError(grpc.status.INTERNAL, "the target sidecar sent data with no call under way"));
    let messages: Buffer[];
    try {
      messages = this.reader.push(frames);
    } catch (err) {
      return this.broken(new FramesConnectionError(grpc.status.INTERNAL, (err as Error).message));
    }
    const flags = this.reader.flags;
    for (let i = 0; i < messages.length; i++) {
      if (this.call !== call) return this.broken(new FramesConnectionError(grpc.status.INTERNAL, "the target sidecar sent data after its answer ended"));
      const m = messages[i]!;
      if (flags[i] === END) call.answerEnded(m);
      else if (flags[i] === CREDIT) {
        if (m.length !== 4) return this.broken(new FramesConnectionError(grpc.status.INTERNAL, "the target sidecar sent a malformed credit"));
        call.credited(m.readUInt32BE(0));
      } else call.message(m);
    }
  }

  private broken(err: Error): void {
    this.failure ??= err;
    this.socket.destroy();
  }
}

/** One call on a leased connection. */
export class FramesCall implements CallerStream {
  private readonly inbox: Buffer[] = [];
  private waiter: { resolve(m: Buffer | undefined): void; reject(e: Error): void } | undefined;
  private outcome: GrpcStatusError | null | undefined; // undefined: running; null: OK
  private requestEnded = false;
  private answered = false;
  private paused = false;
  /** Request bytes the callee takes before it grants more (call-local-frames-wire.ts). */
  private credit = REQUEST_WINDOW_BYTES;
  private creditWaiter: (() => void) | undefined;

  constructor(private readonly conn: FramesConnection) {}

  /** Framed transports carry no response headers (the advert is gRPC's). */
  readonly headers = undefined;

  get finished(): boolean {
    return this.outcome !== undefined;
  }

  get drained(): boolean {
    return this.outcome === null && this.inbox.length === 0;
  }

  sendFrame(frame: Buffer): Promise<void> {
    if (this.outcome !== undefined || this.requestEnded || !this.conn.writable) return Promise.resolve();
    if (this.credit < frame.length) return this.creditFor(frame.length).then(() => this.sendFrame(frame));
    this.credit -= frame.length;
    return this.conn.write(frame);
  }

  /** The END frame: callLocalStream encodes a call's last message with it (see endWithFrame). */
  readonly lastFrameTrailer = endFrame();

  endWithFrame(frame?: Buffer, trailed = false): void {
    if (this.requestEnded || this.outcome !== undefined || !this.conn.writable) return;
    this.requestEnded = true;
    // A whole request goes at once, over the window if need be (the callee grants it back as it reads).
    if (frame) this.credit -= trailed ? frame.length - this.lastFrameTrailer.length : frame.length;
    if (frame && trailed) this.conn.writeWhole(frame);
    else this.conn.writeLast(frame, this.lastFrameTrailer);
  }

  credited(bytes: number): void {
    this.credit += bytes;
    const w = this.creditWaiter;
    this.creditWaiter = undefined;
    w?.();
  }

  /** Resolves once the window holds `bytes` (or the call is over). */
  private async creditFor(bytes: number): Promise<void> {
    while (this.credit < bytes && this.outcome === undefined) await new Promise<void>((r) => (this.creditWaiter = r));
  }

  end(): void {
    this.endWithFrame();
  }

  /** Ends the call from this side: the connection closes (the callee cancels), the reader sees CANCELLED. */
  cancel(details = "Cancelled on client"): void {
    if (this.outcome !== undefined) return;
    this.settle(new GrpcStatusError(grpc.status.CANCELLED, details));
    this.conn.destroy();
  }

  next(): Promise<Buffer | undefined> {
    const m = this.inbox.shift();
    if (m) {
      if (this.paused && this.inbox.length < HIGH_WATER / 2) this.resume();
      return Promise.resolve(m);
    }
    if (this.outcome !== undefined) return this.outcome === null ? Promise.resolve(undefined) : Promise.reject(this.outcome);
    if (this.paused) this.resume();
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  message(m: Buffer): void {
    this.answered = true;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(m);
      return;
    }
    this.inbox.push(m);
    if (this.inbox.length >= HIGH_WATER && !this.paused) {
      this.paused = true;
      this.conn.pause();
    }
  }

  answerEnded(payload: Buffer): void {
    this.answered = true;
    this.settle(readEnd(payload));
    // An answer that came before the request's end (a deny): the request is cut short, and the
    // connection with it, so no stray request bytes reach the callee's next call.
    if (this.requestEnded) this.conn.finished(this);
    else this.conn.destroy();
  }

  /** The connection closed under the call: what failed, judged as gRPC judges a lost connection. */
  connectionClosed(err: Error | undefined): void {
    if (this.outcome !== undefined) return;
    if (err instanceof FramesConnectionError) return this.settle(err);
    const reason = err?.message ?? "the target sidecar closed the connection";
    this.settle(this.answered
      ? new FramesConnectionError(grpc.status.INTERNAL, `the connection closed before the answer ended: ${reason}`)
      : new FramesConnectionError(grpc.status.UNAVAILABLE, `No connection established: ${reason}`));
  }

  private resume(): void {
    this.paused = false;
    this.conn.resume();
  }

  private settle(outcome: GrpcStatusError | null): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.credited(0); // a sender waiting for credit stops
    const w = this.waiter;
    this.waiter = undefined;
    if (!w) return;
    if (outcome) w.reject(outcome);
    else w.resolve(undefined);
  }
}
