// Moves one proxied gRPC call between the caller (the call this sidecar
// serves) and the next hop (the call it makes: another sidecar, or the app):
// messages both ways as raw bytes, in order, with backpressure (each side is
// paused while the other cannot take more), half-close passed on, then the
// next hop's status, headers and trailers handed back.
//
// A call may be tried more than once (resiliency retries): each try is one
// `attempt()` over a fresh next-hop call. For that the first request message
// is kept and replayed; a second one cannot be replayed, so it ends the call
// with FAILED_PRECONDITION (as Dapr does). Response headers are then held back
// until the first response message or the end, so that a failed try which
// sent nothing leaves no trace at the caller.
import * as grpc from "@grpc/grpc-js";
import { Errors } from "../../errors/catalog.js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import type { UnknownMethodCall } from "../../api/grpc/unknown-methods.js";
import { PermanentError } from "../../resiliency/index.js";
import { withoutTransportKeys } from "./grpc-proxy-metadata.js";

export type NextHop = grpc.ClientDuplexStream<Buffer, Buffer>;

/** How one try ended: the next hop's status, its response headers, and whether any message reached the caller. */
export interface HopOutcome {
  status: grpc.StatusObject;
  headers?: grpc.Metadata;
  sentToCaller: boolean;
}

/** The caller went away (cancelled, or its deadline passed): nothing more can be sent to it. */
export class CallerGoneError extends Error {
  constructor() {
    super("the caller cancelled the call");
    this.name = "CallerGoneError";
  }
}

interface Current {
  hop: NextHop;
  stop(err: unknown): void;
}

export class ProxyPipe {
  private current?: Current;
  private firstMessage?: Buffer;
  private received = 0;
  private requestEnded = false;
  private headersRelayed = false;
  private finished = false;
  private gone = false;

  constructor(
    private readonly caller: UnknownMethodCall,
    /** True when the call may be tried again (a retry policy applies): keep the request, hold headers. */
    private readonly replayable: boolean,
  ) {
    // Nothing is read until a next hop is there to take it.
    caller.pause();
    caller.on("data", (m: Buffer) => this.onRequestMessage(m));
    caller.on("end", () => {
      this.requestEnded = true;
      this.current?.hop.end();
    });
    caller.on("cancelled", () => {
      this.gone = true;
      this.current?.stop(new CallerGoneError());
    });
  }

  get callerGone(): boolean {
    return this.gone;
  }

  /** One try over `hop`: resolves once the next hop has sent its status and every message it sent was passed on. */
  attempt(hop: NextHop, signal?: AbortSignal): Promise<HopOutcome> {
    return new Promise<HopOutcome>((resolve, reject) => {
      let status: grpc.StatusObject | undefined;
      let responseEnded = false;
      let headers: grpc.Metadata | undefined;
      let sentToCaller = false;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        if (this.current?.hop === hop) {
          this.current = undefined;
          this.caller.pause();
        }
        fn();
      };
      const stop = (err: unknown) => settle(() => {
        hop.cancel();
        reject(err);
      });
      const onAbort = () => stop(signal!.reason);
      const done = () => {
        if (status && responseEnded) settle(() => resolve({ status: status!, headers, sentToCaller }));
      };

      hop.on("metadata", (md: grpc.Metadata) => {
        headers = withoutTransportKeys(md);
        if (!this.replayable) this.relayHeaders(headers);
      });
      hop.on("data", (m: Buffer) => {
        if (settled) return;
        sentToCaller = true;
        if (headers) this.relayHeaders(headers);
        if (!this.caller.write(m)) {
          hop.pause();
          this.caller.once("drain", () => hop.resume());
        }
      });
      hop.on("end", () => {
        responseEnded = true;
        done();
      });
      hop.on("status", (s: grpc.StatusObject) => {
        status = s;
        done();
      });
      // A failed status also arrives as an error; the status event carries it.
      hop.on("error", () => {});

      if (this.gone) return stop(new CallerGoneError());
      if (signal?.aborted) return stop(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.current = { hop, stop };
      // A retry: what the caller already sent goes first.
      if (this.firstMessage) hop.write(this.firstMessage);
      if (this.requestEnded) hop.end();
      else this.caller.resume();
    });
  }

  /** Hands the next hop's outcome to the caller: its headers (if not passed on yet), status and trailers. */
  finish(outcome: HopOutcome): void {
    if (!this.claimEnd()) return;
    if (outcome.headers) this.relayHeaders(outcome.headers);
    const trailers = withoutTransportKeys(outcome.status.metadata);
    if (outcome.status.code === grpc.status.OK) this.caller.end(trailers);
    else this.caller.emit("error", { code: outcome.status.code, details: outcome.status.details, metadata: trailers });
  }

  /** Ends the call with a sidecar error (no app answer to pass on). */
  fail(err: unknown): void {
    if (!this.claimEnd()) return;
    this.caller.emit("error", toServiceError(err));
  }

  private claimEnd(): boolean {
    if (this.finished || this.gone) return false;
    this.finished = true;
    this.current?.stop(new CallerGoneError());
    return true;
  }

  private relayHeaders(headers: grpc.Metadata): void {
    if (this.headersRelayed || this.gone) return;
    this.headersRelayed = true;
    this.caller.sendMetadata(headers);
  }

  private onRequestMessage(m: Buffer): void {
    this.received++;
    if (this.replayable) {
      if (this.received === 1) this.firstMessage = m;
      else return this.current?.stop(new PermanentError(Errors.grpcProxyRetryOnStream()));
    }
    const hop = this.current?.hop;
    if (!hop) return;
    if (!hop.write(m)) {
      this.caller.pause();
      hop.once("drain", () => {
        if (this.current?.hop === hop) this.caller.resume();
      });
    }
  }
}

