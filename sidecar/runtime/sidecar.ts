// One sidecar process: loads resources, initialises components, serves the
// building blocks over HTTP and gRPC (plus public and metrics ports), connects
// to the app, and shuts down cleanly.
import express from "express";
import type * as grpc from "@grpc/grpc-js";
import { Logger } from "../log/logger.js";
import { metricsRegistry } from "../metrics/registry.js";
import { ComponentHub } from "../components/hub.js";
import { defaultCategoryAdapters } from "../components/categories.js";
import { initComponents } from "../components/initializer.js";
import { embeddedDefaultComponents } from "../resources/embedded-defaults.js";
import { emptyResourceSet, type ResourceSet } from "../resources/types.js";
import { loadConfiguration } from "../resources/configuration-loader.js";
import { buildHttpApi } from "../api/http/http-server.js";
import { bindGrpc, buildGrpcApi } from "../api/grpc/grpc-server.js";
import { buildInternalGrpc } from "../api/grpc/internal-server.js";
import { acceptFrames } from "../api/grpc/internal-frames.js";
import { StateCore } from "../building-blocks/state/state-core.js";
import { PubSubCore } from "../building-blocks/pubsub/pubsub-core.js";
import { MetadataCore } from "../building-blocks/metadata/metadata-core.js";
import { registerHealthHttp, type Readiness } from "../building-blocks/health/health-http.js";
import { createAppChannel } from "../app-channel/create-app-channel.js";
import type { AppChannel } from "../app-channel/app-channel.js";
import { AppHealthMonitor } from "../app-channel/app-health.js";
import { waitForAppPort } from "../app-channel/wait-for-app.js";
import type { BlockContext, BuildingBlock, InternalFrames } from "./building-block.js";
import { buildingBlocks } from "./building-blocks.js";
import type { SidecarOptions } from "./flags.js";
import type { PolicySource, RuntimeContext } from "./runtime-context.js";
import { ResiliencyProvider } from "../resiliency/index.js";
import { closeGracefully, listenHttp, type Listening } from "./servers.js";

export interface SidecarPorts {
  http: number;
  grpc: number;
  internal: number;
  public?: number;
  metrics?: number;
}

export interface SidecarDeps {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Resources supplied directly (tests, Kubernetes mode) instead of read from files. */
  resources?: ResourceSet;
  /** Resiliency policies; none by default. */
  policies?: PolicySource;
  /** Called when the sidecar asks to stop itself (shutdown API). */
  onShutdownRequested?: () => void;
}

export class Sidecar {
  readonly logger: Logger;
  readonly hub = new ComponentHub();
  readonly ports: SidecarPorts = { http: 0, grpc: 0, internal: 0 };
  private readonly env: NodeJS.ProcessEnv;
  private http: Listening[] = [];
  private grpcServer?: grpc.Server;
  private internalServer?: grpc.Server;
  private internalFrames?: InternalFrames;
  private blocks: BuildingBlock[] = [];
  private componentsReady = false;
  /** The Configuration's metrics.enabled. */
  private recordMetrics = true;
  private appReady = false;
  private appChannel?: AppChannel;
  private appHealth?: AppHealthMonitor;
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

    // Kubernetes mode: resources come from the API server and are kept current (hot reload).
    const kube = this.opts.mode === "kubernetes" && !this.deps.resources
      ? (await import("../kubernetes/kubernetes-mode.js")).kubernetesMode(this.opts, log, { disableBuiltinSecretStore: this.opts.disableBuiltinK8sSecretStore })
      : undefined;
    if (kube) this.lifetime.signal.addEventListener("abort", () => void kube.stop(), { once: true });
    const resources = this.deps.resources ?? (kube ? await kube.load(this.lifetime.signal) : await this.loadResources());
    for (const e of resources.errors) log.error("invalid resource skipped", { error: e });

    const rt: RuntimeContext = {
      appId: this.opts.appId, namespace: this.opts.namespace, hub: this.hub, logger: log, policies: this.deps.policies ?? kube?.policies ?? this.loadPolicies(resources),
    };
    const initOptions = {
      appId: rt.appId,
      namespace: rt.namespace,
      podName: this.opts.podName,
      env: this.env,
      defaultSecretStore: this.opts.mode === "kubernetes" ? "kubernetes" : undefined,
      logger: log,
      adapters: defaultCategoryAdapters(),
      hub: this.hub,
    };
    await initComponents(resources.components, initOptions);
    this.componentsReady = true;

    const configuration = await loadConfiguration(this.opts.config, resources);
    for (const e of configuration.errors) log.error("configuration problem", { error: e });
    this.recordMetrics = configuration.config.metric.enabled;
    if (!this.recordMetrics) {
      // The Configuration's spec.metrics.enabled: false, as daprd reads it: no Dapr metrics (the port still serves the process's).
      metricsRegistry.disableDaprMetrics();
      log.info("Dapr metrics are off (the Configuration's metrics.enabled is false)");
    }
    this.appChannel = await createAppChannel(this.opts, log);
    this.metadata = new MetadataCore(rt, this.appConnectionInfo());
    const ctx: BlockContext = {
      rt, opts: this.opts, resources, configuration: configuration.config, metadata: this.metadata, appChannel: this.appChannel,
      state: new StateCore(rt), pubsub: new PubSubCore(rt),
      requestShutdown: () => (this.deps.onShutdownRequested ?? (() => void this.stop("shutdown API")))(),
      shared: new Map(),
    };
    // Bound ports are known only after serve(); blocks read them lazily.
    ctx.shared.set("internalPort", () => this.ports.internal);
    ctx.shared.set("ports", () => this.ports);
    kube?.startHotReload({ set: resources, init: initOptions, gracefulShutdownSeconds: this.opts.gracefulShutdownSeconds, shared: ctx.shared });
    this.blocks = buildingBlocks.map((make) => make(ctx));
    await this.serve();
    await Promise.all(this.blocks.map((b) => b.afterServe?.()));
    if (this.appChannel) void this.connectApp();
    log.info("dapr-ts sidecar started", {
      http_port: this.ports.http, grpc_port: this.ports.grpc, internal_grpc_port: this.ports.internal, public_port: this.ports.public, metrics_port: this.ports.metrics,
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
      // Blocks stop taking new work (e.g. pub/sub deliveries) while in-flight work finishes.
      await Promise.allSettled(this.blocks.map((b) => b.stop?.()));
      const grpcDone = [this.grpcServer, this.internalServer].map((server) => new Promise<void>((resolve) => {
        if (!server) return resolve();
        const force = setTimeout(() => { server.forceShutdown(); resolve(); }, graceMs);
        force.unref();
        server.tryShutdown(() => { clearTimeout(force); resolve(); });
      }));
      const internalFramesDone = this.internalFrames?.close(graceMs);
      await Promise.all([...this.http.map((l) => closeGracefully(l.server, graceMs)), ...grpcDone, internalFramesDone]);
      await this.appChannel?.close();
      await this.hub.closeAll();
      this.logger.info("shutdown complete");
    })();
    return this.stopping;
  }

  private readiness(): Readiness {
    return {
      appId: this.opts.appId,
      notReadyReason: () =>
        this.stopping ? "shutting down"
        : !this.componentsReady ? "components not loaded"
        : this.appChannel && !this.appReady ? "waiting for the app"
        : undefined,
      outboundNotReadyReason: () => (this.componentsReady ? undefined : "components not loaded"),
    };
  }

  /** Opens the API, public and metrics ports. */
  private async serve(): Promise<void> {
    const o = this.opts;
    const readiness = this.readiness();
    const api = buildHttpApi({
      appId: o.appId, maxBodySize: o.maxBodySize, apiToken: o.apiToken, logger: this.logger, enableApiLogging: o.enableApiLogging,
      routes: [(r) => registerHealthHttp(r, readiness), ...this.blocks.filter((b) => b.http).map((b) => (r: express.Router) => b.http!(r))],
      fallback: this.blocks.find((b) => b.httpFallback)?.httpFallback,
      directRoutes: this.blocks.flatMap((b) => b.httpDirect ?? []),
      streamed: (req) => req.path.startsWith("/v1.0/invoke/") || req.headers["dapr-app-id"] !== undefined,
      recordMetrics: this.recordMetrics,
    });
    for (const address of o.listenAddresses) {
      const l = await listenHttp(api, this.ports.http || o.daprHttpPort, address);
      this.ports.http = l.port;
      this.http.push(l);
    }

    const { server } = buildGrpcApi({
      appId: o.appId,
      apiToken: o.apiToken,
      maxMessageSize: o.maxBodySize,
      handlers: Object.assign({}, ...this.blocks.map((b) => b.grpc ?? {})),
      extraServices: this.blocks.flatMap((b) => b.grpcServices ?? []),
      unknownMethods: this.blocks.find((b) => b.grpcUnknownMethods)?.grpcUnknownMethods,
      recordMetrics: this.recordMetrics,
    });
    this.grpcServer = server;
    for (const address of o.listenAddresses) {
      const host = address.includes(":") ? `[${address}]` : address;
      this.ports.grpc = await bindGrpc(server, `${host}:${this.ports.grpc || o.daprGrpcPort}`);
    }

    // Sidecar-to-sidecar traffic: other pods (or other local sidecars) reach it.
    this.internalServer = buildInternalGrpc(
      Object.assign({}, ...this.blocks.map((b) => b.internalGrpc ?? {})),
      this.blocks.find((b) => b.internalGrpcUnknownMethods)?.internalGrpcUnknownMethods,
    );
    const frames = this.blocks.find((b) => b.internalFrames)?.internalFrames;
    if (frames) {
      if (acceptFrames(this.internalServer, (socket) => frames.take(socket))) {
        this.internalFrames = frames;
        frames.accepted();
      } else this.logger.warn("the internal port serves gRPC only: the installed grpc-js lacks the hook framed calls beside it rely on");
    }
    // DAPR_HOST_IP is the address other machines reach this sidecar on (several-machine name resolution).
    const internalHost = o.mode === "kubernetes" ? "0.0.0.0" : process.env.DAPR_HOST_IP || o.listenAddresses[0]!;
    this.ports.internal = await bindGrpc(this.internalServer, `${internalHost}:${o.daprInternalGrpcPort}`);

    // Kubernetes probes reach the public and metrics ports from outside the pod.
    const outside = o.mode === "kubernetes" ? "0.0.0.0" : o.listenAddresses[0]!;
    if (o.daprPublicPort !== undefined) {
      const metadataBlock = this.blocks.find((b) => b.name === "metadata");
      const pub = buildHttpApi({
        appId: o.appId, maxBodySize: o.maxBodySize, logger: this.logger, answerUnbuiltRoutes: false, recordMetrics: this.recordMetrics,
        routes: [(r) => registerHealthHttp(r, readiness), (r) => metadataBlock?.http?.(r)],
      });
      const l = await listenHttp(pub, o.daprPublicPort, outside);
      this.ports.public = l.port;
      this.http.push(l);
    }
    if (o.enableMetrics) {
      const m = express();
      m.get("/metrics", async (_req, res) => {
        res.setHeader("Content-Type", metricsRegistry.contentType);
        res.end(await metricsRegistry.metrics());
      });
      const l = await listenHttp(m, o.metricsPort, outside);
      this.ports.metrics = l.port;
      this.http.push(l);
    }
  }

  /** Waits for the app's port, then lets each block start its app-facing work. */
  private async connectApp(): Promise<void> {
    const log = this.logger;
    try {
      await waitForAppPort(this.opts.appChannelAddress, this.opts.appPort!, log, this.lifetime.signal);
      if (this.lifetime.signal.aborted) return;
      await Promise.all(this.blocks.map((b) => b.appReady?.()));
      this.appReady = true;
      if (this.opts.enableAppHealthCheck) {
        const o = this.opts;
        this.appHealth = new AppHealthMonitor(
          this.appChannel!,
          { intervalMs: o.appHealthProbeIntervalSeconds * 1000, timeoutMs: o.appHealthProbeTimeoutMs, threshold: o.appHealthThreshold },
          log.child("app-health"),
        );
        this.appHealth.onChange((healthy) => {
          for (const b of this.blocks) void b.appHealthChanged?.(healthy);
        });
        this.appHealth.start();
      }
    } catch (err) {
      log.error("connecting to the app failed", { error: (err as Error).message });
    }
  }

  private appConnectionInfo() {
    const o = this.opts;
    return {
      port: o.appPort,
      protocol: o.appProtocol,
      channelAddress: o.appChannelAddress,
      maxConcurrency: o.appMaxConcurrency > 0 ? o.appMaxConcurrency : undefined,
      health: o.enableAppHealthCheck
        ? {
            healthCheckPath: o.appHealthCheckPath,
            healthProbeInterval: `${o.appHealthProbeIntervalSeconds}s`,
            healthProbeTimeout: `${o.appHealthProbeTimeoutMs}ms`,
            healthThreshold: o.appHealthThreshold,
          }
        : undefined,
    };
  }

  private loadPolicies(resources: ResourceSet): PolicySource {
    const provider = new ResiliencyProvider(resources.resiliencies, { logger: this.logger.child("resiliency"), appId: this.opts.appId, namespace: this.opts.namespace });
    for (const e of provider.errors) this.logger.error("resiliency policy skipped", { error: e });
    for (const w of provider.warnings) this.logger.warn("resiliency policy warning", { warning: w });
    return provider;
  }

  private async loadResources(): Promise<ResourceSet> {
    // The YAML parser and the CRD schemas load only when there are files to read.
    const set = this.opts.resourcesPaths.length > 0
      ? (await import("../resources/file-loader.js")).loadResourcesFromPaths(this.opts.resourcesPaths)
      : emptyResourceSet();
    if (this.opts.mode === "standalone" && this.opts.resourcesPaths.length === 0) {
      set.components.push(...embeddedDefaultComponents(this.env));
    }
    return set;
  }
}
