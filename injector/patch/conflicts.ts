// Checks between annotations, each valid on its own but wrong together. They
// only warn: the pod still gets a sidecar, and kubectl shows the user why it
// may misbehave.
import type { SidecarSettings } from "../annotations.js";
import { sidecarHttpPort, sidecarPublicPort } from "./sidecar-patch-config.js";

export function sidecarPorts(s: SidecarSettings): { name: string; key: string; port: number }[] {
  return [
    { name: "dapr-http", key: "fixed", port: sidecarHttpPort },
    { name: "dapr-public", key: "fixed", port: sidecarPublicPort },
    { name: "dapr-grpc", key: "dapr.io/grpc-port", port: s.grpcPort },
    { name: "dapr-internal", key: "dapr.io/internal-grpc-port", port: s.internalGrpcPort },
    { name: "dapr-metrics", key: "dapr.io/metrics-port", port: s.metricsPort },
  ];
}

export function conflictWarnings(s: SidecarSettings): string[] {
  const warnings: string[] = [];
  const ports = sidecarPorts(s);
  if (s.appPort !== undefined) {
    const clash = ports.find((p) => p.port === s.appPort);
    if (clash) warnings.push(`dapr.io/app-port: ${s.appPort} is also the sidecar's ${clash.name} port; the app and the sidecar cannot both listen on it`);
  }
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      const a = ports[i]!;
      const b = ports[j]!;
      if (a.port !== b.port) continue;
      if (!s.enableMetrics && (a.name === "dapr-metrics" || b.name === "dapr-metrics")) continue;
      const key = b.key !== "fixed" ? b.key : a.key;
      warnings.push(`${key}: port ${b.port} is used by both ${a.name} and ${b.name}; the sidecar will fail to start`);
    }
  }
  if (s.maxBodySize && s.httpMaxRequestSize !== undefined) {
    warnings.push("dapr.io/http-max-request-size: ignored because dapr.io/max-body-size is also set");
  }
  if (s.enableAppHealthCheck && s.appPort === undefined) {
    warnings.push("dapr.io/enable-app-health-check: needs dapr.io/app-port; the sidecar has no app to probe");
  }
  return warnings;
}
