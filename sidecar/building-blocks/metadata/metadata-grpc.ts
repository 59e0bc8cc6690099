import { unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { MetadataCore } from "./metadata-core.js";

export function metadataGrpcHandlers(core: MetadataCore): GrpcHandlers {
  return {
    GetMetadata: unary(async () => {
      const s = core.snapshot();
      const a = s.appConnectionProperties;
      const extended = { ...s.extended };
      if (s.failedComponents.length) extended["dapr-ts.failedComponents"] = JSON.stringify(s.failedComponents);
      return {
        id: s.id,
        runtime_version: s.runtimeVersion,
        enabled_features: s.enabledFeatures,
        active_actors_count: s.actorRuntime.activeActors,
        registered_components: s.components,
        extended_metadata: extended,
        subscriptions: s.subscriptions.map((x) => ({
          pubsub_name: x.pubsubname,
          topic: x.topic,
          metadata: x.metadata ?? {},
          rules: { rules: x.rules },
          dead_letter_topic: x.deadLetterTopic ?? "",
          type: x.type,
        })),
        http_endpoints: s.httpEndpoints,
        app_connection_properties: {
          port: a.port ?? 0,
          protocol: a.protocol,
          channel_address: a.channelAddress,
          max_concurrency: a.maxConcurrency ?? 0,
          health: a.health
            ? { health_check_path: a.health.healthCheckPath, health_probe_interval: a.health.healthProbeInterval, health_probe_timeout: a.health.healthProbeTimeout, health_threshold: a.health.healthThreshold }
            : null,
        },
        actor_runtime: {
          runtime_status: s.actorRuntime.runtimeStatus,
          active_actors: s.actorRuntime.activeActors,
          host_ready: s.actorRuntime.hostReady,
          placement: s.actorRuntime.placement,
        },
        workflows: s.workflows ? { connected_workers: s.workflows.connectedWorkers } : null,
      };
    }),
    SetMetadata: unary(async (req: { key: string; value: string }) => {
      core.setExtended(req.key, req.value);
      return {};
    }),
  };
}
