// The metadata API, once for both transports: who this sidecar is, what it
// loaded, how it reaches its app, and the user's own `extended` attributes.
import { Errors } from "../../errors/catalog.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";

export const RUNTIME_VERSION = "1.18.0-dapr-ts.0.1.0";

export interface SubscriptionInfo {
  pubsubname: string;
  topic: string;
  metadata?: Record<string, string>;
  rules: { match: string; path: string }[];
  deadLetterTopic?: string;
  type: "PROGRAMMATIC" | "DECLARATIVE" | "STREAMING";
}

export interface AppConnectionInfo {
  port?: number;
  protocol: string;
  channelAddress: string;
  maxConcurrency?: number;
  health?: { healthCheckPath: string; healthProbeInterval: string; healthProbeTimeout: string; healthThreshold: number };
}

export interface ActorRuntimeInfo {
  runtimeStatus: "INITIALIZING" | "DISABLED" | "RUNNING";
  activeActors: { type: string; count: number }[];
  hostReady: boolean;
  placement: string;
}

/** Other building blocks contribute their sections (subscriptions, actors, workflows) through these hooks. */
export interface MetadataSources {
  subscriptions?: () => SubscriptionInfo[];
  actorRuntime?: () => ActorRuntimeInfo;
  enabledFeatures?: () => string[];
  workflows?: () => { connectedWorkers: number } | undefined;
}

export interface MetadataSnapshot {
  id: string;
  runtimeVersion: string;
  enabledFeatures: string[];
  components: { name: string; type: string; version: string; capabilities: string[] }[];
  failedComponents: { name: string; type: string; version: string; error: string }[];
  extended: Record<string, string>;
  subscriptions: SubscriptionInfo[];
  httpEndpoints: { name: string }[];
  appConnectionProperties: AppConnectionInfo;
  actorRuntime: ActorRuntimeInfo;
  workflows?: { connectedWorkers: number };
}

export class MetadataCore {
  private readonly extended = new Map<string, string>();
  readonly sources: MetadataSources = {};

  constructor(private readonly rt: RuntimeContext, private readonly app: AppConnectionInfo) {
    this.extended.set("daprRuntimeVersion", RUNTIME_VERSION);
  }

  snapshot(): MetadataSnapshot {
    return {
      id: this.rt.appId,
      runtimeVersion: RUNTIME_VERSION,
      enabledFeatures: this.sources.enabledFeatures?.() ?? [],
      components: this.rt.hub.list().map((c) => ({ name: c.name, type: c.type, version: c.version, capabilities: c.capabilities })),
      failedComponents: this.rt.hub.failures().map((f) => ({ name: f.name, type: f.type, version: f.version, error: f.error })),
      extended: Object.fromEntries(this.extended),
      subscriptions: this.sources.subscriptions?.() ?? [],
      httpEndpoints: [],
      appConnectionProperties: this.app,
      actorRuntime: this.sources.actorRuntime?.() ?? { runtimeStatus: "DISABLED", activeActors: [], hostReady: false, placement: "" },
      workflows: this.sources.workflows?.(),
    };
  }

  setExtended(key: string, value: string): void {
    if (!key) throw Errors.malformedRequest("metadata key must not be empty");
    this.extended.set(key, value);
  }
}
