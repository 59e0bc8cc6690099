// The contract between the sidecar process and each building block. A block
// contributes HTTP routes and gRPC handlers (adapters over its own core), and
// may react to the app becoming reachable, its health changing, and shutdown.
// Adding a building block means adding one factory to building-blocks.ts.
import type { Router } from "express";
import type { AppChannel } from "../app-channel/app-channel.js";
import type { Socket } from "node:net";
import type { ExtraService } from "../api/grpc/grpc-server.js";
import type { GrpcHandlers } from "../api/grpc/grpc-helpers.js";
import type { UnknownMethodHandler } from "../api/grpc/unknown-methods.js";
import type { DirectRoute } from "../api/http/direct-routes.js";
import type { MetadataCore } from "../building-blocks/metadata/metadata-core.js";
import type { PubSubCore } from "../building-blocks/pubsub/pubsub-core.js";
import type { StateCore } from "../building-blocks/state/state-core.js";
import type { ResourceSet } from "../resources/types.js";
import type { Configuration } from "../config/configuration.js";
import type { SidecarOptions } from "./flags.js";
import type { RuntimeContext } from "./runtime-context.js";

export interface BlockContext {
  rt: RuntimeContext;
  opts: SidecarOptions;
  resources: ResourceSet;
  /** The parsed Configuration named by --config (defaults when none). */
  configuration: Configuration;
  metadata: MetadataCore;
  appChannel?: AppChannel;
  /** Cores other blocks build on (actors keep state, workflows run on actors, ...). */
  state: StateCore;
  pubsub: PubSubCore;
  requestShutdown(): void;
  /** Shared between blocks, keyed by block name, for blocks that depend on each other. */
  shared: Map<string, unknown>;
}

export interface BuildingBlock {
  name: string;
  http?(router: Router): void;
  grpc?: GrpcHandlers;
  /** Whole gRPC services beside `Dapr` on the API port (e.g. workflow's TaskHubSidecarService). */
  grpcServices?: ExtraService[];
  /**
   * Handlers of `dapr.proto.internals.v1.ServiceInvocation` (CallLocal,
   * CallLocalStream, CallActor, ...) served sidecar-to-sidecar on the internal
   * port (--dapr-internal-grpc-port). Never exposed to apps, no API token.
   */
  internalGrpc?: GrpcHandlers;
  /** Serves API-port calls to methods no service there has (gRPC proxying with `dapr-app-id`). */
  grpcUnknownMethods?: UnknownMethodHandler;
  /** Serves internal-port calls to methods no service there has (proxied calls for this sidecar's app). */
  internalGrpcUnknownMethods?: UnknownMethodHandler;
  /**
   * Serves the connections that reach the internal port with framed calls (from other dapr-ts
   * sidecars, api/grpc/internal-frames.ts); `accepted` is called once the port takes them.
   */
  internalFrames?: InternalFrames;
  /** The block's hottest HTTP routes, served past express's router as well (api/http/direct-routes.ts). */
  httpDirect?: DirectRoute[];
  /** Answers HTTP requests no route matched (service invocation's proxy mode). */
  httpFallback?(req: import("express").Request, res: import("express").Response): void;
  /** Called once every port is bound (before the app is reachable). */
  afterServe?(): Promise<void>;
  /** Called once the app's port is open (never, when the sidecar has no app). */
  appReady?(): Promise<void>;
  /** Called when app health checks flip; deliveries pause while unhealthy. */
  appHealthChanged?(healthy: boolean): Promise<void>;
  /** Called at shutdown, before components close: stop taking work, finish what is in flight. */
  stop?(): Promise<void>;
}

export type BlockFactory = (ctx: BlockContext) => BuildingBlock;

/** Who serves framed connections on the internal port (building-blocks/invoke/call-local-frames-server.ts). */
export interface InternalFrames {
  take(socket: Socket): void;
  /** Idle connections close at once, busy ones after their call; what is left after `graceMs` is cut. */
  close(graceMs: number): Promise<void>;
  accepted(): void;
}
