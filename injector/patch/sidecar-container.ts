// Builds the `daprd` container from the resolved settings. Port names, env,
// probes and secret references follow Dapr's injector
// (pkg/injector/patcher/sidecar_container.go); the command runs our image.
import type { V1Container, V1EnvVar, V1Probe, V1ResourceRequirements, V1VolumeMount } from "@kubernetes/client-node";
import type { SidecarSettings } from "../annotations.js";
import {
  sidecarContainerName, sidecarHttpPort, sidecarPublicPort, type SidecarPatchConfig,
} from "./sidecar-patch-config.js";

export interface SidecarContainerInput {
  settings: SidecarSettings;
  appId: string;
  /** Mounts already filtered to volumes that exist in the pod. */
  volumeMounts: V1VolumeMount[];
  native: boolean;
}

export function sidecarArgs(s: SidecarSettings, appId: string): string[] {
  const args = [
    "sidecar",
    "--mode", "kubernetes",
    "--dapr-http-port", String(sidecarHttpPort),
    "--dapr-grpc-port", String(s.grpcPort),
    "--dapr-internal-grpc-port", String(s.internalGrpcPort),
    "--dapr-public-port", String(sidecarPublicPort),
    "--dapr-listen-addresses", s.sidecarListenAddresses,
    "--app-id", appId,
    "--app-protocol", s.appProtocol,
    "--log-level", s.logLevel,
    // Booleans as --flag=value: both Go's flag package and ours read that form.
    "--log-as-json=" + String(s.logAsJson),
    "--enable-metrics=" + String(s.enableMetrics),
    "--metrics-port", String(s.metricsPort),
  ];
  if (s.appPort !== undefined) args.push("--app-port", String(s.appPort));
  if (s.config) args.push("--config", s.config);
  if (s.appChannelAddress) args.push("--app-channel-address", s.appChannelAddress);
  // Only an explicit annotation is passed, so an unset one defers to the Configuration (as Dapr).
  if (s.enableApiLogging !== undefined) args.push("--enable-api-logging=" + String(s.enableApiLogging));
  // -1 means "daprd's default"; omitting the flag says exactly that.
  if (s.gracefulShutdownSeconds >= 0) args.push("--dapr-graceful-shutdown-seconds", String(s.gracefulShutdownSeconds));
  if (s.appMaxConcurrency !== undefined) args.push("--app-max-concurrency", String(s.appMaxConcurrency));
  if (s.maxBodySize) args.push("--max-body-size", s.maxBodySize);
  else if (s.httpMaxRequestSize !== undefined) args.push("--max-body-size", `${s.httpMaxRequestSize}Mi`);
  if (s.enableAppHealthCheck) {
    args.push(
      "--enable-app-health-check=true",
      "--app-health-check-path", s.appHealthCheckPath,
      "--app-health-probe-interval", String(s.appHealthProbeInterval),
      "--app-health-probe-timeout", String(s.appHealthProbeTimeout),
      "--app-health-threshold", String(s.appHealthThreshold),
    );
  }
  return args;
}

function sidecarEnv(s: SidecarSettings): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    // The address other sidecars reach this one at (actor placement advertises it), as daprd gets it.
    { name: "DAPR_HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    // Lets Kubernetes delete the pod's actor-placement Lease with the pod (ownerReference).
    { name: "POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
  ];
  const seen = new Set(env.map((e) => e.name));
  const userKeys: string[] = [];
  for (const e of s.env) {
    if (seen.has(e.name)) continue;
    seen.add(e.name);
    userKeys.push(e.name);
    env.push({ name: e.name, value: e.value });
  }
  for (const e of s.envFromSecret) {
    if (seen.has(e.name)) continue;
    seen.add(e.name);
    env.push({ name: e.name, valueFrom: { secretKeyRef: { name: e.secret, key: e.key } } });
  }
  // Dapr lists the user's keys so daprd can tell them from its own environment.
  if (userKeys.length > 0) env.push({ name: "DAPR_ENV_KEYS", value: userKeys.join(" ") });
  if (s.apiTokenSecret) env.push({ name: "DAPR_API_TOKEN", valueFrom: { secretKeyRef: { name: s.apiTokenSecret, key: "token" } } });
  if (s.appTokenSecret) env.push({ name: "APP_API_TOKEN", valueFrom: { secretKeyRef: { name: s.appTokenSecret, key: "token" } } });
  return env;
}

function resources(s: SidecarSettings): V1ResourceRequirements | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (s.sidecarCpuRequest) requests.cpu = s.sidecarCpuRequest;
  if (s.sidecarMemoryRequest) requests.memory = s.sidecarMemoryRequest;
  if (s.sidecarCpuLimit) limits.cpu = s.sidecarCpuLimit;
  if (s.sidecarMemoryLimit) limits.memory = s.sidecarMemoryLimit;
  const r: V1ResourceRequirements = {};
  if (Object.keys(requests).length) r.requests = requests;
  if (Object.keys(limits).length) r.limits = limits;
  return r.requests || r.limits ? r : undefined;
}

function healthProbe(delay: number, timeout: number, period: number, threshold: number): V1Probe {
  return {
    httpGet: { path: "/v1.0/healthz", port: sidecarPublicPort },
    initialDelaySeconds: delay,
    timeoutSeconds: timeout,
    periodSeconds: period,
    failureThreshold: threshold,
  };
}

export function buildSidecarContainer(input: SidecarContainerInput, config: SidecarPatchConfig): V1Container {
  const s = input.settings;
  const container: V1Container = {
    name: sidecarContainerName,
    image: s.sidecarImage ?? config.sidecarImage,
    imagePullPolicy: config.imagePullPolicy,
    command: [...config.sidecarCommand],
    args: sidecarArgs(s, input.appId),
    ports: [
      { name: "dapr-http", containerPort: sidecarHttpPort },
      { name: "dapr-grpc", containerPort: s.grpcPort },
      { name: "dapr-internal", containerPort: s.internalGrpcPort },
      { name: "dapr-metrics", containerPort: s.metricsPort },
    ],
    env: sidecarEnv(s),
    readinessProbe: healthProbe(s.readinessProbeDelaySeconds, s.readinessProbeTimeoutSeconds, s.readinessProbePeriodSeconds, s.readinessProbeThreshold),
    livenessProbe: healthProbe(s.livenessProbeDelaySeconds, s.livenessProbeTimeoutSeconds, s.livenessProbePeriodSeconds, s.livenessProbeThreshold),
    securityContext: { allowPrivilegeEscalation: false },
  };
  const r = resources(s);
  if (r) container.resources = r;
  if (input.volumeMounts.length > 0) container.volumeMounts = input.volumeMounts;
  // A restartable init container is what Kubernetes calls a native sidecar (KEP-753).
  if (input.native) container.restartPolicy = "Always";
  return container;
}
