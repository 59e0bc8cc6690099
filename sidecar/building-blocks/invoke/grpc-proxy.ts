// Transparent gRPC proxying (Dapr's "invoke services using gRPC"): an app
// calls a method of the target app's own service on its sidecar's API port,
// with metadata `dapr-app-id: <target>[.<namespace>]`. The caller's sidecar
// forwards the call, same path, to the target's sidecar on the internal port;
// that one checks access control and forwards it to its app's gRPC port.
// Messages are never decoded: any call type (unary, client, server or bidi
// streaming) passes through as a stream of raw messages, and the app's
// status, headers and trailers come back unchanged.
//
// Resiliency (the target app's policy, on the caller's side, as Dapr does):
// - without `dapr-stream: true` the whole call is one operation: a timeout
//   cuts it, a retry runs it again (replaying the single request message);
// - with `dapr-stream: true` the policy covers only reaching the target's
//   sidecar (resolving it and connecting); the stream then runs on its own.
import * as grpc from "@grpc/grpc-js";
import type { AppChannel } from "../../app-channel/app-channel.js";
import { toServiceError } from "../../api/grpc/grpc-helpers.js";
import type { UnknownMethodCall } from "../../api/grpc/unknown-methods.js";
import { evaluateAccessControl, parseAccessControl, type AccessControlList } from "../../config/access-control.js";
import { samplingRate, type Configuration } from "../../config/configuration.js";
import { DaprError, Errors } from "../../errors/catalog.js";
import type { NameResolver } from "../../name-resolution/name-resolver.js";
import { isCircuitBreakerError, isTimeoutError, PermanentError } from "../../resiliency/index.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { firstValue, isMethodPath, isTruthy, outboundRequestMetadata, withoutTransportKeys } from "./grpc-proxy-metadata.js";
import { CallerGoneError, ProxyPipe, type HopOutcome, type NextHop } from "./grpc-proxy-pipe.js";
import { splitTarget, type InvokeCore } from "./invoke-core.js";
import { invokeMetrics, OutboundMetrics } from "./invoke-metrics.js";
import { nextTraceparent } from "./tracing.js";

const rawBytes = (b: Buffer): Buffer => b;

/** A try that ended with a non-OK status from the next hop; kept whole so the caller gets it unchanged. */
class HopFailed extends Error {
  readonly grpcCode: number;
  constructor(readonly outcome: HopOutcome) {
    super(outcome.status.details);
    this.grpcCode = outcome.status.code;
  }
}

export interface GrpcProxyDeps {
  rt: RuntimeContext;
  resolver: NameResolver;
  /** Shares its channels to other sidecars and its tracer. */
  core: InvokeCore;
  appChannel?: AppChannel;
  configuration: Configuration;
}

export class GrpcProxy {
  private readonly acl: AccessControlList | undefined;
  private readonly sampling: number;
  private readonly outboundMetrics: OutboundMetrics;

  constructor(private readonly d: GrpcProxyDeps) {
    // Over gRPC, operations are full method names matched case-sensitively, without verbs.
    this.acl = parseAccessControl(d.configuration.accessControl, { isHttp: false }).acl;
    this.sampling = samplingRate(d.configuration);
    this.outboundMetrics = new OutboundMetrics(d.rt.appId, "grpc");
  }

  /** API port: the app calls a method with `dapr-app-id`; forward it to the target app's sidecar. */
  readonly outbound = (call: UnknownMethodCall): void => {
    try {
      const plan = this.planOutbound(call);
      const pipe = new ProxyPipe(call, plan.replayable);
      this.forwardToSidecar(call, pipe, plan).catch((err) => pipe.fail(err));
    } catch (err) {
      call.emit("error", toServiceError(err));
    }
  };

  /** Internal port: another sidecar forwards a call for this sidecar's app. */
  readonly inbound = (call: UnknownMethodCall): void => {
    try {
      const open = this.admitInbound(call);
      const pipe = new ProxyPipe(call, false);
      this.forwardToApp(call, pipe, open).catch((err) => pipe.fail(err));
    } catch (err) {
      call.emit("error", toServiceError(err));
    }
  };

  /** Where the call goes and under which policy; throws when it cannot be proxied at all. */
  private planOutbound(call: UnknownMethodCall) {
    const { rt } = this.d;
    const path = call.getPath();
    const target = firstValue(call.metadata, "dapr-app-id")?.trim();
    if (!target || !isMethodPath(path)) throw Errors.grpcProxyUnknownMethod(path);
    const { appId, namespace } = splitTarget(target, rt.namespace);
    const policy = rt.policies.endpointPolicy(appId, `${appId}:${path}`);
    const streamed = isTruthy(firstValue(call.metadata, "dapr-stream"));
    return { path, target, appId, namespace, policy, streamed, replayable: !streamed && policy.hasRetries };
  }

  private async forwardToSidecar(call: UnknownMethodCall, pipe: ProxyPipe, plan: ReturnType<GrpcProxy["planOutbound"]>): Promise<void> {
    const { rt, core, resolver } = this.d;
    const { path, target, appId, namespace, policy, streamed } = plan;
    const incomingTrace = firstValue(call.metadata, "traceparent");
    const traceparent = nextTraceparent(incomingTrace, this.sampling);
    const metadata = outboundRequestMetadata(call.metadata, { callerAppId: rt.appId, callerNamespace: rt.namespace, calleeAppId: appId, traceparent });
    const options = deadlineOf(call);
    const cancelled = new AbortController();
    call.on("cancelled", () => cancelled.abort(new CallerGoneError()));

    const series = this.outboundMetrics.of(appId, path);
    series.sent.inc();
    const started = performance.now();
    const span = core.clientSpan(incomingTrace, traceparent, appId, path.slice(1));
    const report = (code: number) => {
      series.answered(code, performance.now() - started);
      span?.(grpc.status[code] ?? String(code));
    };

    const sidecar = async (): Promise<grpc.Client> => {
      const addr = await resolver.resolve(appId, namespace).catch((err: Error) => {
        throw Errors.grpcProxyUnreachable(target, err.message);
      });
      return core.clients.get(`${addr.host}:${addr.port}`);
    };
    const open = (client: grpc.Client) => client.makeBidiStreamRequest(path, rawBytes, rawBytes, metadata.clone(), options);

    try {
      let outcome: HopOutcome;
      if (streamed) {
        const client = await policy.run(async (signal) => {
          const c = await sidecar();
          await channelReady(c, target, signal);
          return c;
        }, { signal: cancelled.signal });
        outcome = await pipe.attempt(open(client));
      } else {
        outcome = await policy.run(async (signal) => {
          const o = await pipe.attempt(open(await sidecar()), signal);
          if (o.status.code === grpc.status.OK) return o;
          if (o.status.code === grpc.status.UNAVAILABLE) resolver.invalidate?.();
          // Messages already passed on cannot be taken back: no retry then.
          throw o.sentToCaller ? new PermanentError(new HopFailed(o)) : new HopFailed(o);
        }, { signal: cancelled.signal });
      }
      if (outcome.status.code === grpc.status.UNAVAILABLE) resolver.invalidate?.();
      report(outcome.status.code);
      pipe.finish(outcome);
    } catch (e) {
      const err = e instanceof PermanentError ? e.cause : e;
      if (err instanceof CallerGoneError || pipe.callerGone) return report(grpc.status.CANCELLED);
      if (err instanceof HopFailed) {
        report(err.outcome.status.code);
        return pipe.finish(err.outcome);
      }
      const failure = proxyError(err, appId, target);
      if (failure.grpcCode === grpc.status.UNAVAILABLE) resolver.invalidate?.();
      report(failure.grpcCode);
      pipe.fail(failure);
    }
  }

  /** The callee's checks (the call is for this app, access control, a gRPC app); returns how to open the call to the app. */
  private admitInbound(call: UnknownMethodCall): () => NextHop {
    const { rt, appChannel } = this.d;
    const path = call.getPath();
    const target = firstValue(call.metadata, "dapr-app-id")?.trim();
    if (!target || !isMethodPath(path)) throw Errors.grpcProxyUnknownMethod(path);
    const { appId, namespace } = splitTarget(target, rt.namespace);
    if (appId !== rt.appId || namespace !== rt.namespace) {
      // A stale address at the caller (another sidecar took the port): it re-resolves on UNAVAILABLE.
      throw Errors.grpcProxyUnreachable(target, `this sidecar serves app ${rt.appId} in namespace ${rt.namespace}`);
    }
    const callerAppId = firstValue(call.metadata, "dapr-caller-app-id");
    const decision = evaluateAccessControl(this.acl, {
      callerAppId, callerNamespace: firstValue(call.metadata, "dapr-caller-namespace"), operation: path,
    });
    if (!decision.allowed) {
      rt.logger.warn("gRPC proxy call denied by access control", { caller: callerAppId, method: path, reason: decision.reason });
      throw Errors.grpcProxyDenied(decision.reason);
    }
    if (!appChannel) throw Errors.directInvokeNotReady("this sidecar has no app (--app-port is not set)");
    const openGrpcStream = appChannel.openGrpcStream?.bind(appChannel);
    if (!openGrpcStream) throw Errors.directInvokeNotReady(`app ${rt.appId} speaks ${appChannel.protocol}; gRPC proxying needs --app-protocol grpc`);
    return () => openGrpcStream(path, withoutTransportKeys(call.metadata), deadlineOf(call));
  }

  private async forwardToApp(call: UnknownMethodCall, pipe: ProxyPipe, open: () => NextHop): Promise<void> {
    const { rt, core } = this.d;
    const path = call.getPath();
    invokeMetrics.reqRecv.inc({ app_id: rt.appId, method: path });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata.getMap())) if (typeof v === "string") headers[k] = v;
    const span = core.serverSpan(headers, path.slice(1));
    try {
      const outcome = await pipe.attempt(open());
      span?.(grpc.status[outcome.status.code] ?? String(outcome.status.code));
      pipe.finish(outcome);
    } catch (err) {
      if (err instanceof CallerGoneError || pipe.callerGone) return;
      pipe.fail(err);
    }
  }
}

/** The caller's deadline, passed on so every hop gives up at the same moment. */
function deadlineOf(call: UnknownMethodCall): grpc.CallOptions {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? { deadline: ms } : {};
}

/** The sidecar's own error for a failure that is not an answer from the next hop. */
function proxyError(err: unknown, appId: string, target: string): DaprError {
  if (err instanceof DaprError) return err;
  if (isTimeoutError(err)) return Errors.directInvokeTimeout(appId);
  if (isCircuitBreakerError(err)) return Errors.directInvokeCircuitOpen(appId);
  return Errors.grpcProxyUnreachable(target, err instanceof Error ? err.message : String(err));
}

/**
 * Resolves once the channel to the target's sidecar is connected; rejects
 * (UNAVAILABLE) when connecting failed, or when `signal` aborts (a policy timeout).
 */
function channelReady(client: grpc.Client, target: string, signal: AbortSignal): Promise<void> {
  const channel = client.getChannel();
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (signal.aborted) return reject(signal.reason);
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) return resolve();
      if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
        return reject(Errors.grpcProxyUnreachable(target, "could not connect to the app's sidecar"));
      }
      // Wake up on the next state change (or after a while, to look at the signal again).
      channel.watchConnectivityState(state, Date.now() + 250, check);
    };
    check();
  });
}
