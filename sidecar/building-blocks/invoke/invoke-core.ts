// Service invocation, once for every transport. Outbound: resolve the target
// app's sidecar and call its internal port (or the local app, or a plain HTTP
// URL), under the app's resiliency policy. Inbound (from another sidecar):
// check access control, then call the app. The callee's status and body come
// back unchanged.
import { Readable } from "node:stream";
import { Errors, DaprError } from "../../errors/catalog.js";
import type { AppChannel, AppInvokeResponse, AppStreamResponse } from "../../app-channel/app-channel.js";
import { evaluateAccessControl, parseAccessControl, type AccessControlList } from "../../config/access-control.js";
import { samplingRate, type Configuration } from "../../config/configuration.js";
import type { NameResolver } from "../../name-resolution/name-resolver.js";
import { isCircuitBreakerError, isTimeoutError, type RunOptions } from "../../resiliency/index.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { GrpcStatusError } from "../../api/grpc/h2/grpc-status.js";
import { FramesConnectionError } from "./call-local-frames-client.js";
import { callLocalStream, type StreamedAnswer } from "./call-local-stream-client.js";
import type { StreamRequestHead } from "./call-local-stream-codec.js";
import { InternalClients, type Peer } from "./internal-client.js";
import { readWhole } from "./stream-payloads.js";
import { InboundMetrics, OutboundMetrics } from "./invoke-metrics.js";
import { nextTraceparent } from "./tracing.js";
import { UrlTargetClient } from "./url-target-client.js";
import { createTracer, newSpanId, parseTraceparent, type Tracer } from "../../tracing/tracer.js";

export interface InvokeRequest {
  targetAppId: string;
  targetNamespace?: string;
  method: string;
  verb: string;
  query: string;
  /** Headers for the callee. An outbound call adds Dapr's caller headers to this very object: pass one of the call's own. */
  headers: Record<string, string>;
  body: Buffer;
  contentType?: string;
}

export type InvokeResponse = AppInvokeResponse;

export interface InboundInvoke extends Omit<InvokeRequest, "targetAppId" | "targetNamespace"> {
  callerAppId?: string;
  callerNamespace?: string;
}

/** Streamed invocation: bodies flow through in chunks (see stream-payloads.ts). */
export interface InvokeStreamRequest extends Omit<InvokeRequest, "body"> {
  /** A stream, or a small body already whole (sent in one message); undefined means no body. */
  body: AsyncIterable<Buffer> | Buffer | undefined;
}

export interface InvokeStreamResponse extends Omit<AppStreamResponse, "body"> {
  /** A Buffer when the callee sent a whole small body at once. */
  body: Readable | Buffer;
}

export interface InboundStreamInvoke extends Omit<InvokeStreamRequest, "targetAppId" | "targetNamespace" | "body"> {
  body: Readable | Buffer | undefined;
  callerAppId?: string;
  callerNamespace?: string;
}

// Hop-by-hop headers and Dapr's own are not forwarded.
const dropped = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host", "content-length", "dapr-api-token", "dapr-app-id", "expect"]);

export function forwardableHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  // A plain loop, each name lower-cased once: this runs for every call.
  for (const k in h) {
    const v = h[k];
    if (v === undefined || k.charCodeAt(0) === 58 /* ':' */) continue;
    const name = k.toLowerCase();
    if (dropped.has(name) || name === "__proto__") continue;
    out[name] = typeof v === "string" ? v : Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

export interface InvokeOptions {
  /** Calls other dapr-ts sidecars with framed calls once they say they take them (default true). */
  useFrames?: boolean;
}

export class InvokeCore {
  /** One channel per sidecar address, shared with gRPC proxying (grpc-proxy.ts). */
  readonly clients = new InternalClients();
  /** This sidecar's internal port takes framed invocations too (set once it does): its gRPC answers say so. */
  acceptsFrames = false;
  private readonly useFrames: boolean;
  private readonly urlTargets = new UrlTargetClient();
  private readonly acl: AccessControlList | undefined;
  private readonly sampling: number;
  private readonly tracer: Tracer;
  private readonly outboundMetrics: OutboundMetrics;
  private readonly inboundMetrics: InboundMetrics;

  constructor(
    private readonly rt: RuntimeContext,
    private readonly resolver: NameResolver,
    private readonly appChannel: AppChannel | undefined,
    config: Configuration,
    options: InvokeOptions = {},
  ) {
    this.useFrames = options.useFrames ?? true;
    const parsed = parseAccessControl(config.accessControl, { isHttp: true });
    for (const e of parsed.errors) rt.logger.error("access control problem", { error: e });
    this.acl = parsed.acl;
    this.sampling = samplingRate(config);
    this.tracer = createTracer(config, rt.appId, rt.logger);
    this.outboundMetrics = new OutboundMetrics(rt.appId, "http");
    this.inboundMetrics = new InboundMetrics(rt.appId);
  }

  validateMethod(method: string): string {
    // A '..' segment needs a dot, plain or percent-encoded: most methods have neither, and skip the decoding.
    if (!method.includes(".") && !method.includes("%")) return method;
    const decoded = safeDecode(method);
    if (decoded.split("/").some((seg) => seg === "..")) throw Errors.directInvokeMethodInvalid(`'${method}' must not contain '..' segments`);
    return method;
  }

  /** Calls `method` on app `targetAppId` (optionally `app.namespace`) through its sidecar. */
  invoke(req: InvokeRequest): Promise<InvokeResponse> {
    return this.outbound(req, (appId, namespace, headers, signal) => this.callTarget(appId, namespace, {
      targetAppId: req.targetAppId, targetNamespace: req.targetNamespace, method: req.method, verb: req.verb,
      query: req.query, headers, body: req.body, contentType: req.contentType,
    }, signal));
  }

  /**
   * True when a call may stream its bodies: the target is another sidecar (not a
   * URL) and its resiliency policy never replays the call (a replay needs the
   * whole request body at hand).
   */
  canStream(targetAppId: string, method: string): boolean {
    if (!targetAppId || isUrlTarget(targetAppId)) return false;
    const { appId } = splitTarget(targetAppId, this.rt.namespace);
    return !this.rt.policies.endpointPolicy(appId, `${appId}:${method}`).hasRetries;
  }

  /**
   * Like invoke(), with both bodies streamed over CallLocalStream. Resolves once
   * the callee's status and headers are in; the caller must read or destroy the body.
   */
  invokeStream(req: InvokeStreamRequest): Promise<InvokeStreamResponse> {
    return this.outbound(req, (appId, namespace, headers, signal) => this.callSidecar(appId, namespace, req, headers, signal));
  }

  /**
   * One call to the sidecar of `appId`; resolves with the answer's head and its body (streamed or whole).
   * It goes over CallLocalStream (gRPC), or as the same messages framed over TCP once that sidecar
   * said it takes them (call-local-frames-wire.ts): the same call for much less CPU on both sides.
   */
  private async callSidecar(
    appId: string, namespace: string, req: Omit<InvokeStreamRequest, "headers" | "targetAppId">, headers: Record<string, string>, signal: AbortSignal,
  ): Promise<InvokeStreamResponse> {
    // An address known already is taken without waiting (one await less on every call).
    const addr = this.resolver.resolveCached?.(appId, namespace) ?? await this.resolver.resolve(appId, namespace);
    const peer = this.clients.peerAt(addr.host, addr.port);
    const head = { method: req.method, contentType: req.contentType ?? "", verb: req.verb.toUpperCase(), query: req.query, metadata: headers };
    const framed = peer.frames;
    let r;
    try {
      try {
        r = await callLocalStream(framed ?? peer.h2, head, req.body, signal);
      } catch (err) {
        if (!framed || !this.resendOverGrpc(peer, err, req.body, signal)) throw err;
        r = await callLocalStream(peer.h2, head, req.body, signal);
      }
    } catch (err) {
      // The sidecar there may be gone: resolve afresh next time.
      this.resolver.invalidate?.();
      throw err;
    }
    if (r.frames && this.useFrames && !peer.frames && this.clients.useFrames(peer)) {
      this.rt.logger.info("the target sidecar takes framed invocations: calls to it go that way from now on", {
        app_id: appId, address: `${peer.host}:${peer.port}`,
      });
    }
    return { status: r.status, headers: r.headers, body: r.body, contentType: r.contentType || r.headers["content-type"] || undefined };
  }

  /**
   * A framed call failed. At the connection (not a call this side gave up on, nor one the callee
   * ended with a status), that port may have another sidecar behind it now: gRPC until it says
   * again that it takes framed calls. True when the peer answered in another protocol, so it
   * served nothing, and the request is still at hand: it goes again over gRPC.
   */
  private resendOverGrpc(peer: Peer, err: unknown, body: InvokeStreamRequest["body"], signal: AbortSignal): boolean {
    if (signal.aborted || !(err instanceof FramesConnectionError)) return false;
    if (this.clients.forgetFrames(peer)) this.rt.logger.warn("a framed invocation failed: calls to this sidecar go over gRPC until it offers framed calls again", {
      address: `${peer.host}:${peer.port}`, error: err.details,
    });
    return err.notFramesPeer && (body === undefined || Buffer.isBuffer(body));
  }

  /** Validation, caller headers, resiliency, metrics and error mapping shared by both invocation paths. */
  private async outbound<T extends { status: number }>(
    req: Omit<InvokeRequest, "body">,
    call: (appId: string, namespace: string, headers: Record<string, string>, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (!req.targetAppId) throw Errors.directInvokeNoAppId();
    this.validateMethod(req.method);
    const { appId, namespace } = splitTarget(req.targetAppId, req.targetNamespace ?? this.rt.namespace);
    // The call's own headers object (InvokeRequest.headers), given Dapr's caller headers in place:
    // every adapter builds a fresh one per call, and a copy was a share of each call's work.
    const headers = req.headers;
    const incomingTrace = headers["traceparent"];
    headers["dapr-caller-app-id"] = this.rt.appId;
    headers["dapr-caller-namespace"] = this.rt.namespace;
    headers["dapr-callee-app-id"] = appId;
    headers["traceparent"] = nextTraceparent(incomingTrace, this.sampling);
    const policy = this.rt.policies.endpointPolicy(appId, `${appId}:${req.method}`);
    const start = performance.now();
    const span = this.clientSpan(incomingTrace, headers["traceparent"], appId, req.method);
    const series = this.outboundMetrics.of(appId, req.method);
    series.sent.inc();
    try {
      const res = await policy.run((signal) => call(appId, namespace, headers, signal), classifyByStatus as RunOptions<T>);
      series.answered(res.status, performance.now() - start);
      span?.(String(res.status));
      return res;
    } catch (err) {
      span?.("error");
      if (err instanceof DaprError) throw err;
      if (isTimeoutError(err)) throw Errors.directInvokeTimeout(appId);
      if (isCircuitBreakerError(err)) throw Errors.directInvokeCircuitOpen(appId);
      throw Errors.directInvoke(appId, (err as Error).message);
    }
  }

  /** A call from another sidecar: access control, then the app. */
  async handleInbound(req: InboundInvoke): Promise<InvokeResponse> {
    this.checkAccess(req);
    const done = this.serverSpan(req.headers, req.method);
    const res = await this.callLocalApp(req);
    done?.(String(res.status));
    return res;
  }

  /**
   * A streamed call from another sidecar: access control, then the app (buffered for channels
   * that cannot stream). Not an async function: on the usual path it hands back the app
   * channel's own promise, one await less per call.
   */
  handleInboundStream(req: InboundStreamInvoke): Promise<AppStreamResponse> {
    try {
      this.checkAccess(req);
      if (!this.appChannel) throw Errors.directInvokeNotReady("this sidecar has no app (--app-port is not set)");
    } catch (err) {
      return Promise.reject(err);
    }
    this.inboundMetrics.received(req.method);
    const done = this.serverSpan(req.headers, req.method);
    if (!this.appChannel.streamInvoke) return this.inboundWhole(this.appChannel, req, done);
    // Object literals, not `{ ...appReq, body }`: a spread with more properties after it is slow in Node 20.
    const answer = this.appChannel.streamInvoke({ method: req.method, verb: req.verb, query: req.query, headers: req.headers, contentType: req.contentType, body: req.body });
    return done ? answer.then((r) => (done(String(r.status)), r)) : answer;
  }

  /** handleInboundStream for an app channel that takes and gives whole bodies only. */
  private async inboundWhole(channel: AppChannel, req: InboundStreamInvoke, done: ((status: string) => void) | undefined): Promise<AppStreamResponse> {
    const body = Buffer.isBuffer(req.body) ? req.body : req.body ? Buffer.concat(await req.body.toArray()) : Buffer.alloc(0);
    const r = await channel.invoke({ method: req.method, verb: req.verb, query: req.query, headers: req.headers, contentType: req.contentType, body });
    done?.(String(r.status));
    return { ...r, body: Readable.from([r.body]) };
  }

  /** Records the CLIENT span of an outbound call when its trace is sampled; returns the function that ends it. */
  clientSpan(incoming: string | undefined, outgoing: string, appId: string, method: string): ((status: string) => void) | undefined {
    if (!this.tracer.enabled) return undefined;
    const out = parseTraceparent(outgoing);
    if (!out?.sampled) return undefined;
    const parent = parseTraceparent(incoming);
    const startMs = Date.now();
    return (status) => this.tracer.record({
      traceId: out.traceId, id: out.spanId, parentId: parent?.spanId, name: `CallLocal/${appId}/${method}`, kind: "CLIENT",
      startMs, durationMs: Date.now() - startMs, tags: { "dapr.app_id": appId, "http.status_code": status },
    });
  }

  /** The SERVER span of an inbound call, a child of the caller's span. */
  serverSpan(headers: Record<string, string>, method: string): ((status: string) => void) | undefined {
    if (!this.tracer.enabled) return undefined;
    const caller = parseTraceparent(headers["traceparent"]);
    if (!caller?.sampled) return undefined;
    const startMs = Date.now();
    const id = newSpanId();
    return (status) => this.tracer.record({
      traceId: caller.traceId, id, parentId: caller.spanId, name: `/${method}`, kind: "SERVER",
      startMs, durationMs: Date.now() - startMs, tags: { "dapr.app_id": this.rt.appId, "http.status_code": status },
    });
  }

  private checkAccess(req: { callerAppId?: string; callerNamespace?: string; method: string; verb: string }): void {
    if (!this.acl) return; // no policy: every call is allowed (and nothing to build per call)
    const decision = evaluateAccessControl(this.acl, {
      callerAppId: req.callerAppId,
      callerNamespace: req.callerNamespace,
      operation: req.method,
      httpVerb: req.verb,
    });
    if (!decision.allowed) {
      this.rt.logger.warn("invocation denied by access control", { caller: req.callerAppId, method: req.method, reason: decision.reason });
      throw Errors.directInvokeDenied(`caller ${req.callerAppId ?? "unknown"} operation ${req.method} verb ${req.verb}: ${decision.reason}`);
    }
  }

  async callLocalApp(req: Omit<InvokeRequest, "targetAppId">): Promise<InvokeResponse> {
    if (!this.appChannel) throw Errors.directInvokeNotReady("this sidecar has no app (--app-port is not set)");
    this.inboundMetrics.received(req.method);
    return this.appChannel.invoke({ method: req.method, verb: req.verb, query: req.query, headers: req.headers, body: req.body, contentType: req.contentType });
  }

  close(): void {
    void this.tracer.close();
    this.clients.close();
    void this.urlTargets.close();
  }

  /**
   * A call whose bodies are whole (its policy may replay it, or the target is a URL). To
   * another sidecar it also goes over CallLocalStream, the request in one message: unary
   * CallLocal, through grpc-js and protobufjs on both sides, cost ~25 % more CPU per call.
   */
  private async callTarget(appId: string, namespace: string, req: InvokeRequest, signal: AbortSignal): Promise<InvokeResponse> {
    if (isUrlTarget(appId)) return this.urlTargets.call(appId, req, signal);
    const r = await this.callSidecar(appId, namespace, req, req.headers, signal);
    if (Buffer.isBuffer(r.body)) return { status: r.status, headers: r.headers, contentType: r.contentType, body: r.body };
    // A timeout while the body is still coming cancels the call (destroying the body cancels the stream).
    const body = r.body;
    const onAbort = () => body.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return { status: r.status, headers: r.headers, contentType: r.contentType, body: await readWhole(body) };
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}

// Dapr treats an app answer outside 200-399 as a failure the policy may retry. (One object for every call.)
const classifyByStatus: RunOptions<{ status: number }> = {
  classify: (r) => (r.status < 200 || r.status > 399 ? { httpStatus: r.status } : undefined),
};

/** `orders.prod` -> app orders in namespace prod; a URL is kept whole. */
export function splitTarget(target: string, defaultNamespace: string): { appId: string; namespace: string } {
  if (isUrlTarget(target)) return { appId: target, namespace: defaultNamespace };
  const dot = target.lastIndexOf(".");
  if (dot <= 0) return { appId: target, namespace: defaultNamespace };
  return { appId: target.slice(0, dot), namespace: target.slice(dot + 1) };
}

const urlTarget = /^https?:\/\//i;

/** A plain HTTP URL as the target (not an app id). Checked three times a call: the regex only runs for a leading 'h'. */
function isUrlTarget(target: string): boolean {
  const c = target.charCodeAt(0) | 0x20; // lower-cased
  return c === 104 /* 'h' */ && urlTarget.test(target);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
