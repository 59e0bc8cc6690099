// One sidecar process: loads resources, initialises components, serves the
// HTTP and gRPC APIs (plus public and metrics ports), and shuts down cleanly.
import express from "express";
import type * as grpc from "@grpc/grpc-js";
import { Logger } from "../log/logger.js";
import { metricsRegistry } from "../metrics/registry.js";
import { ComponentHub } from "../components/hub.js";
import { defaultCategoryAdapters } from "../components/categories.js";
import { initComponents } from "../components/initializer.js";
import { loadResourcesFromPaths } from "../resources/file-loader.js";
import { embeddedDefaultComponents } from "../resources/embedded-defaults.js";
import type { ResourceSet } from "../resources/types.js";
import { buildHttpApi } from "../api/http/http-server.js";
import { bindGrpc, buildGrpcApi } from "../api/grpc/grpc-server.js";
import { StateCore } from "../building-blocks/state/state-core.js";
import { registerStateHttp } from "../building-blocks/state/state-http.js";
import { stateGrpcHandlers } from "../building-blocks/state/state-grpc.js";
import { MetadataCore } from "../building-blocks/metadata/metadata-core.js";
import { registerMetadataHttp } from "../building-blocks/metadata/metadata-http.js";
import { metadataGrpcHandlers } from "../building-blocks/metadata/metadata-grpc.js";
import { registerHealthHttp, type Readiness } from "../building-blocks/health/health-http.js";
import { registerShutdownHttp, shutdownGrpcHandlers } from "../building-blocks/health/shutdown-api.js";
import { PubSubCore } from "../building-blocks/pubsub/pubsub-core.js";
import { registerPubSubHttp } from "../building-blocks/pubsub/pubsub-http.js";
import { pubsubGrpcHandlers } from "../building-blocks/pubsub/pubsub-grpc.js";
import { SubscriptionManager } from "../building-blocks/pubsub/subscription-manager.js";
import { createAppChannel } from "../app-channel/create-app-channel.js";
import type { AppChannel } from "../app-channel/app-channel.js";
import type { AppHealthMonitor } from "../app-channel/app-health.js";
import { connectApp } from "./app-startup.js";
import type { SidecarOptions } from "./flags.js";
import { noPolicies, type RuntimeContext } from "./runtime-context.js";
import { closeGracefully, listenHttp, type Listening } from "./servers.js";

export interface SidecarPorts {
  http: number;
  grpc: number;
  public?: number;
  metrics?: number;
}

export interface SidecarDeps {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Resources supplied directly (tests, Kubernetes mode) instead of read from files. */
  resources?: ResourceSet;
  /** Called when the sidecar asks to stop itself (shutdown API). */
  onShutdownRequested?: () => void;
}

export class Sidecar {
  readonly logger: Logger;
  readonly hub = new ComponentHub();
  readonly ports: SidecarPorts = { http: 0, grpc: 0 };
  private readonly env: NodeJS.ProcessEnv;
  private http: Listening[] = [];
  private grpcServer?: grpc.Server;
  private componentsReady = false;
  private appReady = false;
  private appChannel?: AppChannel;
  private appHealth?: AppHealthMonitor;
  private subscriptions?: SubscriptionManager;
  private readonly lifetime = new AbortController();
  private stopping?: Promise<void>;
  metadata!: MetadataCore;

  constructor(readonly opts: SidecarOptions, private readonly deps: SidecarDeps = {}) {
    this.env = deps.env ?? process.env;
    this.logger = deps.logger ?? new Logger({ level: opts.logLevel, json: opts.logAsJson, scope: "dapr-ts.runtime", appId: opts.appId });
  }

  async start(): Promise<SidecarPorts> {
    const started = performance.now();
    const log = this.logger;
    log.info("starting dapr-ts sidecar", { mode: this.opts.mode, app_port: this.opts.appPort });

    const resources = this.deps.resources ?? this.loadResources();
    for (const e of resources.errors) log.error("invalid resource skipped", { error: e });

    const rt: RuntimeContext = { appId: this.opts.appId, namespace: this.opts.namespace, hub: this.hub, logger: log, policies: noPolicies };
    await initComponents(resources.components, {
      appId: rt.appId,
      namespace: rt.namespace,
      podName: this.opts.podName,
      env: this.env,
      defaultSecretStore: this.opts.mode === "kubernetes" ? "kubernetes" : undefined,
      logger: log,
      adapters: defaultCategoryAdapters(),
      hub: this.hub,
    });
    this.componentsReady = true;

    const state = new StateCore(rt);
    const pubsub = new PubSubCore(rt);
    this.appChannel = createAppChannel(this.opts, log);
    this.metadata = new MetadataCore(rt, {
      port: this.opts.appPort,
      protocol: this.opts.appProtocol,
      channelAddress: this.opts.appChannelAddress,
      maxConcurrency: this.opts.appMaxConcurrency > 0 ? this.opts.appMaxConcurrency : undefined,
      health: this.opts.enableAppHealthCheck
        ? {
            healthCheckPath: this.opts.appHealthCheckPath,
            healthProbeInterval: `${this.opts.appHealthProbeIntervalSeconds}s`,
            healthProbeTimeout: `${this.opts.appHealthProbeTimeoutMs}ms`,
            healthThreshold: this.opts.appHealthThreshold,
          }
        : undefined,
    });
    const readiness: Readiness = {
      appId: this.opts.appId,
      notReadyReason: () =>
        this.stopping ? "shutting down"
        : !this.componentsReady ? "components not loaded"
        : this.appChannel && !this.appReady ? "waiting for the app"
        : undefined,
      outboundNotReadyReason: () => (this.componentsReady ? undefined : "components not loaded"),
    };
    const requestShutdown = () => (this.deps.onShutdownRequested ?? (() => void this.stop("shutdown API")))();

    const api = buildHttpApi({
      appId: this.opts.appId,
      maxBodySize: this.opts.maxBodySize,
      apiToken: this.opts.apiToken,
      logger: log,
      enableApiLogging: this.opts.enableApiLogging,
      routes: [
        (r) => registerHealthHttp(r, readiness),
        (r) => registerMetadataHttp(r, this.metadata),
        (r) => registerShutdownHttp(r, requestShutdown),
        (r) => registerStateHttp(r, state),
        (r) => registerPubSubHttp(r, pubsub),
      ],
    });
    for (const address of this.opts.listenAddresses) {
      const l = await listenHttp(api, this.ports.http || this.opts.daprHttpPort, address);
      this.ports.http = l.port;
      this.http.push(l);
    }

    const { server } = buildGrpcApi({
      apiToken: this.opts.apiToken,
      maxMessageSize: this.opts.maxBodySize,
      handlers: {
        ...stateGrpcHandlers(state),
        ...pubsubGrpcHandlers(pubsub),
        ...metadataGrpcHandlers(this.metadata),
        ...shutdownGrpcHandlers(requestShutdown),
      },
    });
    this.grpcServer = server;
    for (const address of this.opts.listenAddresses) {
      const host = address.includes(":") ? `[${address}]` : address;
      this.ports.grpc = await bindGrpc(server, `${host}:${this.ports.grpc || this.opts.daprGrpcPort}`);
    }

    if (this.opts.daprPublicPort !== undefined) {
      const pub = buildHttpApi({
        appId: this.opts.appId, maxBodySize: this.opts.maxBodySize, logger: log,
        routes: [(r) => registerHealthHttp(r, readiness), (r) => registerMetadataHttp(r, this.metadata)],
      });
      const l = await listenHttp(pub, this.opts.daprPublicPort, this.opts.mode === "kubernetes" ? "0.0.0.0" : this.opts.listenAddresses[0]!);
      this.ports.public = l.port;
      this.http.push(l);
    }
    if (this.opts.enableMetrics) {
      const m = express();
      m.get("/metrics", async (_req, res) => {
        res.setHeader("Content-Type", metricsRegistry.contentType);
        res.end(await metricsRegistry.metrics());
      });
      const l = await listenHttp(m, this.opts.metricsPort, this.opts.mode === "kubernetes" ? "0.0.0.0" : this.opts.listenAddresses[0]!);
      this.ports.metrics = l.port;
      this.http.push(l);
    }
    if (this.appChannel) {
      const subscriptions = new SubscriptionManager(rt, pubsub, this.appChannel);
      this.subscriptions = subscriptions;
      this.metadata.sources.subscriptions = () => subscriptions.list();
      const channel = this.appChannel;
      void connectApp({ opts: this.opts, channel, subscriptions, declarative: resources.subscriptions, logger: log, signal: this.lifetime.signal })
        .then((monitor) => {
          this.appHealth = monitor;
          this.appReady = true;
        })
        .catch((err) => log.error("connecting to the app failed", { error: (err as Error).message }));
    }
    log.info("dapr-ts sidecar started", {
      http_port: this.ports.http, grpc_port: this.ports.grpc, public_port: this.ports.public, metrics_port: this.ports.metrics,
      components: this.hub.list().length, startup_ms: Math.round(performance.now() - started),
    });
    return this.ports;
  }

  /** Stops accepting work, lets in-flight requests finish within the grace period, closes components. */
  stop(reason = "stop requested"): Promise<void> {
    this.stopping ??= (async () => {
      const graceMs = Math.max(0, this.opts.gracefulShutdownSeconds) * 1000;
      this.logger.info("shutting down", { reason, grace_ms: graceMs });
      this.lifetime.abort();
      this.appHealth?.stop();
      // Stop taking new messages first; deliveries in flight finish.
      await this.subscriptions?.stop();
      const grpcDone = new Promise<void>((resolve) => {
        if (!this.grpcServer) return resolve();
        const force = setTimeout(() => { this.grpcServer?.forceShutdown(); resolve(); }, graceMs);
        force.unref();
        this.grpcServer.tryShutdown(() => { clearTimeout(force); resolve(); });
      });
      await Promise.all([...this.http.map((l) => closeGracefully(l.server, graceMs)), grpcDone]);
      await this.appChannel?.close();
      await this.hub.closeAll();
      this.logger.info("shutdown complete");
    })();
    return this.stopping;
  }

  private loadResources(): ResourceSet {
    const set = loadResourcesFromPaths(this.opts.resourcesPaths);
    if (this.opts.mode === "standalone" && this.opts.resourcesPaths.length === 0) {
      set.components.push(...embeddedDefaultComponents(this.env));
    }
    return set;
  }
}
