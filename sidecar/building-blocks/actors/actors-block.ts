// Actors as a building block: the API on both transports, CallActor on the
// internal port, and (once the app is reachable) hosting of the app's types.
import type { BlockFactory } from "../../runtime/building-block.js";
import { ActorsCore } from "./actors-core.js";
import { actorsGrpcHandlers } from "./actors-grpc.js";
import { registerActorsHttp } from "./actors-http.js";
import { actorsInternalGrpcHandlers } from "./actors-internal-grpc.js";
import { findActorStateStore } from "./actor-state.js";
import { createMembership } from "./placement/create-membership.js";
import { LocalMembership } from "./placement/local-membership.js";
import type { Membership } from "./placement/membership.js";

export const actorsBlock: BlockFactory = (ctx) => {
  const log = ctx.rt.logger.child("actors");
  const store = findActorStateStore(ctx.rt.hub);
  const env = process.env;
  const choice = {
    flag: ctx.opts.placementHostAddress ?? env["DAPR_PLACEMENT_HOST_ADDRESS"],
    storeType: store?.type,
    storeProperties: store?.properties,
    namespace: ctx.rt.namespace,
    logger: log,
    mode: ctx.opts.mode,
    podName: ctx.opts.podName,
  };
  let membership: Membership;
  try {
    membership = createMembership(choice);
  } catch (err) {
    // A bad placement setting must not stop the sidecar; actors then run on this host alone.
    log.error("placement setting not usable; hosting actors on this sidecar alone (local placement)", { error: (err as Error).message });
    membership = new LocalMembership();
  }
  const internalPort = ctx.shared.get("internalPort") as (() => number) | undefined;
  const core = new ActorsCore({
    rt: ctx.rt,
    membership,
    // Dapr calls actors only in HTTP apps: its gRPC app channel never reads an actor
    // configuration (before 1.18), and 1.18's app-initiated SubscribeActorEventsAlpha1
    // stream is not in the published proto set. So a gRPC app's sidecar hosts no types.
    appChannel: ctx.appChannel?.protocol === "http" ? ctx.appChannel : undefined,
    internalPort: internalPort ?? (() => ctx.opts.daprInternalGrpcPort),
    hostAddress: env["DAPR_HOST_IP"] || undefined,
    // Leave part of the grace period for the servers and components to close.
    shutdownDrainMs: Math.max(0, ctx.opts.gracefulShutdownSeconds * 1000 * 0.8),
  });
  ctx.shared.set("actors", core);
  ctx.metadata.sources.actorRuntime = () => core.runtimeInfo();

  async function readAppConfig(): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await ctx.appChannel!.invoke({ method: "dapr/config", verb: "GET", query: "", headers: {}, body: Buffer.alloc(0) });
        if (r.status === 404) return {};
        if (r.status >= 200 && r.status < 300) return r.body.length ? JSON.parse(r.body.toString("utf8")) : {};
        throw new Error(`GET /dapr/config answered ${r.status}`);
      } catch (err) {
        if (attempt >= 5) {
          log.error("could not read the app's actor configuration; hosting no actor types", { error: (err as Error).message });
          return {};
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  return {
    name: "actors",
    http: (r) => registerActorsHttp(r, core),
    grpc: actorsGrpcHandlers(core),
    internalGrpc: actorsInternalGrpcHandlers(core),
    appReady: ctx.appChannel?.protocol === "http"
      ? async () => {
          await core.appReady(await readAppConfig()).catch((err: Error) => log.error("actor runtime failed to start", { error: err.message }));
        }
      : async () => {
          // As daprd: no configuration call to a gRPC app; this sidecar only calls actors hosted elsewhere.
          if (ctx.appChannel) log.debug("gRPC app: hosting no actor types (actor callbacks are HTTP-only)");
          await core.appReady({}).catch(() => {});
        },
    stop: () => core.stop(),
  };
};
