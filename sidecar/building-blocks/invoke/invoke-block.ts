// Service invocation as a building block: HTTP (routes and proxy mode), the
// InvokeService RPC, the internal CallLocal RPC other sidecars call (and its
// framed form between dapr-ts sidecars), and
// transparent gRPC proxying (calls of the app's own methods with dapr-app-id).
// The sidecar announces itself to the name resolver once its ports are bound.
import type { BlockFactory, InternalFrames } from "../../runtime/building-block.js";
import type { SidecarPorts } from "../../runtime/sidecar.js";
import { createNameResolver } from "../../name-resolution/create-resolver.js";
import { GrpcProxy } from "./grpc-proxy.js";
import { InvokeCore } from "./invoke-core.js";
import { invokeGrpcHandlers, invokeInternalHandlers } from "./invoke-grpc.js";
import { invokeDirectRoute, invokeProxyFallback, registerInvokeHttp } from "./invoke-http.js";
import { serveCallLocalStream } from "./call-local-stream-server.js";
import { FramesConnections } from "./call-local-frames-server.js";

export const invokeBlock: BlockFactory = (ctx) => {
  const resolver = createNameResolver(ctx);
  const core = new InvokeCore(ctx.rt, resolver, ctx.appChannel, ctx.configuration, { useFrames: ctx.opts.internalFrames });
  ctx.shared.set("invoke", core);
  const grpcProxy = new GrpcProxy({ rt: ctx.rt, resolver, core, appChannel: ctx.appChannel, configuration: ctx.configuration });
  ctx.shared.set("nameResolver", resolver);
  const ports = ctx.shared.get("ports") as () => SidecarPorts;
  const announce = () =>
    resolver.register?.({
      appId: ctx.opts.appId, namespace: ctx.opts.namespace, host: process.env.DAPR_HOST_IP || (ctx.opts.listenAddresses[0] ?? "127.0.0.1"),
      internalPort: ports().internal, httpPort: ports().http, grpcPort: ports().grpc, appPort: ctx.opts.appPort, pid: process.pid,
    });
  return {
    name: "invoke",
    http: (r) => registerInvokeHttp(r, core, ctx.opts.maxBodySize),
    httpDirect: [invokeDirectRoute(core, ctx.opts.maxBodySize)],
    httpFallback: invokeProxyFallback(core, ctx.opts.maxBodySize),
    grpc: invokeGrpcHandlers(core),
    internalGrpc: invokeInternalHandlers(core),
    grpcUnknownMethods: grpcProxy.outbound,
    internalGrpcUnknownMethods: grpcProxy.inbound,
    internalFrames: ctx.opts.internalFrames ? framesOn(core) : undefined,
    // Apps without a port still get called by name: announce as soon as the ports are bound.
    afterServe: async () => { await announce(); },
    stop: async () => {
      await resolver.close?.();
      core.close();
    },
  };
};

/** The internal port's framed calls, served as CallLocalStream is; once the port takes them, its gRPC answers say so. */
function framesOn(core: InvokeCore): InternalFrames {
  const connections = new FramesConnections((call) => serveCallLocalStream(core, call));
  return {
    take: (socket) => connections.take(socket),
    close: (graceMs) => connections.close(graceMs),
    accepted: () => { core.acceptsFrames = true; },
  };
}
