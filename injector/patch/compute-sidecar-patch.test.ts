import { describe, it, expect } from "vitest";
import jsonPatch from "fast-json-patch";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { computeSidecarPatch, fallbackAppId } from "./compute-sidecar-patch.js";
import { defaultPatchConfig, type SidecarPatchConfig } from "./sidecar-patch-config.js";
import { loadPod, type FixtureName } from "./fixtures/load-fixture.js";
import type { JsonPatchOp } from "./json-patch.js";

const config = defaultPatchConfig({ sidecarImage: "registry.local/dapr-ts:test" });

/** Applies the patch as the API server would; a wrong path throws here. */
function applyTo(pod: V1Pod, patch: JsonPatchOp[]): V1Pod {
  const doc = structuredClone(pod);
  return jsonPatch.applyPatch(doc, patch as jsonPatch.Operation[], true, true).newDocument as V1Pod;
}

function inject(name: FixtureName, annotations: Record<string, string> = {}, cfg: SidecarPatchConfig = config, edit?: (p: V1Pod) => void) {
  const pod = loadPod(name);
  Object.assign(pod.metadata!.annotations!, annotations);
  edit?.(pod);
  const result = computeSidecarPatch(pod, cfg);
  const after = applyTo(pod, result.patch);
  const daprd = [...(after.spec?.containers ?? []), ...(after.spec?.initContainers ?? [])].find((c) => c.name === "daprd");
  return { pod, result, after, daprd };
}

/** The value following `flag` in the args, or `flag=value` form. */
function arg(c: V1Container | undefined, flag: string): string | undefined {
  const args = c?.args ?? [];
  const i = args.indexOf(flag);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(flag + "="));
  return eq?.slice(flag.length + 1);
}

function env(c: V1Container | undefined, name: string) {
  return c?.env?.find((e) => e.name === name);
}

describe("computeSidecarPatch: defaults", () => {
  it("injects a daprd container with Dapr's ports, env, probes and our command", () => {
    const { result, after, daprd } = inject("deployment-pod-review.json");
    expect(result.warnings).toEqual([]);
    expect(result.appId).toBe("checkout");
    expect(after.spec!.containers.map((c) => c.name)).toEqual(["checkout", "helper", "daprd"]);
    expect(daprd!.image).toBe("registry.local/dapr-ts:test");
    expect(daprd!.imagePullPolicy).toBe("IfNotPresent");
    expect(daprd!.command).toEqual(["dapr-ts"]);
    expect(daprd!.args!.slice(0, 3)).toEqual(["sidecar", "--mode", "kubernetes"]);
    expect(arg(daprd, "--dapr-http-port")).toBe("3500");
    expect(arg(daprd, "--dapr-grpc-port")).toBe("50001");
    expect(arg(daprd, "--dapr-internal-grpc-port")).toBe("50002");
    expect(arg(daprd, "--dapr-public-port")).toBe("3501");
    expect(arg(daprd, "--app-id")).toBe("checkout");
    expect(arg(daprd, "--app-port")).toBe("8080");
    expect(arg(daprd, "--app-protocol")).toBe("http");
    expect(arg(daprd, "--log-level")).toBe("info");
    expect(arg(daprd, "--enable-metrics")).toBe("true");
    expect(arg(daprd, "--metrics-port")).toBe("9090");
    expect(arg(daprd, "--log-as-json")).toBe("false");
    expect(arg(daprd, "--dapr-listen-addresses")).toBe("[::1],127.0.0.1");
    // Unset annotations leave daprd's own defaults alone.
    for (const f of ["--config", "--enable-api-logging", "--dapr-graceful-shutdown-seconds", "--app-max-concurrency", "--max-body-size", "--enable-app-health-check"]) {
      expect(arg(daprd, f), f).toBeUndefined();
    }
    expect(daprd!.ports).toEqual([
      { name: "dapr-http", containerPort: 3500 },
      { name: "dapr-grpc", containerPort: 50001 },
      { name: "dapr-internal", containerPort: 50002 },
      { name: "dapr-metrics", containerPort: 9090 },
    ]);
    expect(env(daprd, "NAMESPACE")).toEqual({ name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
    expect(env(daprd, "POD_NAME")).toEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    expect(env(daprd, "DAPR_HOST_IP")).toEqual({ name: "DAPR_HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
    expect(env(daprd, "POD_UID")).toEqual({ name: "POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } });
    expect(env(daprd, "DAPR_API_TOKEN")).toBeUndefined();
    expect(daprd!.readinessProbe).toEqual({ httpGet: { path: "/v1.0/healthz", port: 3501 }, initialDelaySeconds: 1, timeoutSeconds: 1, periodSeconds: 1, failureThreshold: 5 });
    expect(daprd!.livenessProbe).toEqual({ httpGet: { path: "/v1.0/healthz", port: 3501 }, initialDelaySeconds: 180, timeoutSeconds: 3, periodSeconds: 10, failureThreshold: 5 });
    expect(daprd!.resources).toBeUndefined();
    expect(daprd!.volumeMounts).toBeUndefined();
    expect(daprd!.restartPolicy).toBeUndefined();
  });

  it("labels the pod, keeping its own labels, and escapes '/' in label keys", () => {
    const { result, after } = inject("deployment-pod-review.json");
    expect(after.metadata!.labels).toEqual({
      app: "checkout",
      "pod-template-hash": "7d9c8f6b5",
      "dapr.io/sidecar-injected": "true",
      "dapr.io/app-id": "checkout",
      "dapr.io/metrics-enabled": "true",
    });
    const labelPaths = result.patch.filter((o) => o.path.startsWith("/metadata/labels")).map((o) => o.path);
    expect(labelPaths).toContain("/metadata/labels/dapr.io~1sidecar-injected");
    expect(labelPaths.every((p) => !p.slice("/metadata/labels/".length).includes("/"))).toBe(true);
  });

  it("gives app containers DAPR_HTTP_PORT, DAPR_GRPC_PORT and APP_PROTOCOL, creating env when absent", () => {
    const { after } = inject("deployment-pod-review.json");
    const [app, helper] = after.spec!.containers;
    expect(app!.env).toEqual([
      { name: "LOG_FORMAT", value: "json" },
      { name: "DAPR_HTTP_PORT", value: "3500" },
      { name: "DAPR_GRPC_PORT", value: "50001" },
      { name: "APP_PROTOCOL", value: "http" },
    ]);
    expect(helper!.env).toEqual([
      { name: "DAPR_HTTP_PORT", value: "3500" },
      { name: "DAPR_GRPC_PORT", value: "50001" },
      { name: "APP_PROTOCOL", value: "http" },
    ]);
  });

  it("does not duplicate or override env the app container already sets", () => {
    const { after } = inject("deployment-pod-review.json", {}, config, (p) => {
      p.spec!.containers[0]!.env!.push({ name: "DAPR_HTTP_PORT", value: "9999" });
    });
    const vars = after.spec!.containers[0]!.env!.filter((e) => e.name === "DAPR_HTTP_PORT");
    expect(vars).toEqual([{ name: "DAPR_HTTP_PORT", value: "9999" }]);
  });

  it("adds whole label maps when the pod has none", () => {
    const { result, after } = inject("bare-pod-review.json");
    expect(result.patch[0]).toEqual({ op: "add", path: "/metadata/labels", value: { "dapr.io/sidecar-injected": "true", "dapr.io/app-id": "worker", "dapr.io/metrics-enabled": "true" } });
    expect(after.metadata!.labels!["dapr.io/app-id"]).toBe("worker");
  });
});

describe("computeSidecarPatch: when not to inject", () => {
  it("returns no patch when the pod does not ask for a sidecar", () => {
    const pod = loadPod("deployment-pod-review.json");
    delete pod.metadata!.annotations!["dapr.io/enabled"];
    expect(computeSidecarPatch(pod, config)).toEqual({ patch: [], warnings: [] });
    pod.metadata!.annotations!["dapr.io/enabled"] = "false";
    expect(computeSidecarPatch(pod, config)).toEqual({ patch: [], warnings: [] });
    delete pod.metadata!.annotations;
    expect(computeSidecarPatch(pod, config)).toEqual({ patch: [], warnings: [] });
  });

  it("warns and skips when dapr.io/enabled is unreadable", () => {
    const { result } = inject("deployment-pod-review.json", { "dapr.io/enabled": "ture" });
    expect(result.patch).toEqual([]);
    expect(result.warnings).toEqual([expect.stringContaining("dapr.io/enabled: invalid value \"ture\"")]);
  });

  it("is idempotent: a pod that already has daprd gets no patch", () => {
    const { after } = inject("deployment-pod-review.json");
    expect(computeSidecarPatch(after, config)).toEqual({ patch: [], warnings: [] });
    const native = inject("deployment-pod-review.json", { "dapr.io/enable-native-sidecar": "true" }).after;
    expect(native.spec!.initContainers![0]!.name).toBe("daprd");
    expect(computeSidecarPatch(native, config)).toEqual({ patch: [], warnings: [] });
  });

  it("accepts Dapr's truthy spellings for dapr.io/enabled", () => {
    for (const v of ["true", "TRUE", "yes", "1", "on", "t", "y"]) {
      expect(inject("deployment-pod-review.json", { "dapr.io/enabled": v }).daprd, v).toBeDefined();
    }
  });
});

describe("computeSidecarPatch: app id", () => {
  it("falls back to the pod name, then the generateName prefix", () => {
    expect(inject("bare-pod-review.json").result.appId).toBe("worker");
    const { daprd, result } = inject("deployment-pod-review.json", {}, config, (p) => { delete p.metadata!.annotations!["dapr.io/app-id"]; });
    expect(result.appId).toBe("checkout-7d9c8f6b5");
    expect(arg(daprd, "--app-id")).toBe("checkout-7d9c8f6b5");
    expect(fallbackAppId({ metadata: {} })).toBeUndefined();
  });

  it("warns and injects nothing when there is no id at all", () => {
    const { result } = inject("bare-pod-review.json", {}, config, (p) => { delete p.metadata!.name; });
    expect(result.patch).toEqual([]);
    expect(result.warnings.join()).toContain("dapr.io/app-id");
  });
});

describe("computeSidecarPatch: every annotation", () => {
  const cases: [string, string, (d: V1Container, after: V1Pod) => void][] = [
    ["dapr.io/app-port", "7000", (d) => expect(arg(d, "--app-port")).toBe("7000")],
    ["dapr.io/app-protocol", "grpc", (d, p) => { expect(arg(d, "--app-protocol")).toBe("grpc"); expect(env(p.spec!.containers[0], "APP_PROTOCOL")!.value).toBe("grpc"); }],
    ["dapr.io/app-channel-address", "10.0.0.7", (d) => expect(arg(d, "--app-channel-address")).toBe("10.0.0.7")],
    ["dapr.io/app-max-concurrency", "4", (d) => expect(arg(d, "--app-max-concurrency")).toBe("4")],
    ["dapr.io/config", "tracing", (d) => expect(arg(d, "--config")).toBe("tracing")],
    ["dapr.io/log-level", "debug", (d) => expect(arg(d, "--log-level")).toBe("debug")],
    ["dapr.io/log-as-json", "true", (d) => expect(arg(d, "--log-as-json")).toBe("true")],
    ["dapr.io/enable-api-logging", "false", (d) => expect(arg(d, "--enable-api-logging")).toBe("false")],
    ["dapr.io/enable-metrics", "false", (d, p) => { expect(arg(d, "--enable-metrics")).toBe("false"); expect(p.metadata!.labels!["dapr.io/metrics-enabled"]).toBe("false"); }],
    ["dapr.io/metrics-port", "9191", (d) => { expect(arg(d, "--metrics-port")).toBe("9191"); expect(d.ports!.find((x) => x.name === "dapr-metrics")!.containerPort).toBe(9191); }],
    ["dapr.io/env", "A=1,B=x,y, C=3", (d) => {
      expect(env(d, "A")!.value).toBe("1");
      expect(env(d, "B")!.value).toBe("x,y");
      expect(env(d, "C")!.value).toBe("3");
      expect(env(d, "DAPR_ENV_KEYS")!.value).toBe("A B C");
    }],
    ["dapr.io/env-from-secret", "AUTH=auth-secret,DB_PASS=db:password", (d) => {
      expect(env(d, "AUTH")!.valueFrom).toEqual({ secretKeyRef: { name: "auth-secret", key: "auth-secret" } });
      expect(env(d, "DB_PASS")!.valueFrom).toEqual({ secretKeyRef: { name: "db", key: "password" } });
    }],
    ["dapr.io/api-token-secret", "dapr-api-token", (d) => expect(env(d, "DAPR_API_TOKEN")!.valueFrom).toEqual({ secretKeyRef: { name: "dapr-api-token", key: "token" } })],
    ["dapr.io/app-token-secret", "app-token", (d) => expect(env(d, "APP_API_TOKEN")!.valueFrom).toEqual({ secretKeyRef: { name: "app-token", key: "token" } })],
    ["dapr.io/max-body-size", "16Mi", (d) => expect(arg(d, "--max-body-size")).toBe("16Mi")],
    ["dapr.io/http-max-request-size", "8", (d) => expect(arg(d, "--max-body-size")).toBe("8Mi")],
    ["dapr.io/graceful-shutdown-seconds", "12", (d) => expect(arg(d, "--dapr-graceful-shutdown-seconds")).toBe("12")],
    ["dapr.io/sidecar-listen-addresses", "0.0.0.0", (d) => expect(arg(d, "--dapr-listen-addresses")).toBe("0.0.0.0")],
    ["dapr.io/grpc-port", "50101", (d, p) => {
      expect(arg(d, "--dapr-grpc-port")).toBe("50101");
      expect(d.ports!.find((x) => x.name === "dapr-grpc")!.containerPort).toBe(50101);
      expect(env(p.spec!.containers[0], "DAPR_GRPC_PORT")!.value).toBe("50101");
    }],
    ["dapr.io/internal-grpc-port", "50202", (d) => { expect(arg(d, "--dapr-internal-grpc-port")).toBe("50202"); expect(d.ports!.find((x) => x.name === "dapr-internal")!.containerPort).toBe(50202); }],
    ["dapr.io/sidecar-image", "other/daprd:dev", (d) => expect(d.image).toBe("other/daprd:dev")],
    ["dapr.io/sidecar-cpu-request", "100m", (d) => expect(d.resources!.requests).toEqual({ cpu: "100m" })],
    ["dapr.io/sidecar-cpu-limit", "1", (d) => expect(d.resources!.limits).toEqual({ cpu: "1" })],
    ["dapr.io/sidecar-memory-request", "64Mi", (d) => expect(d.resources!.requests).toEqual({ memory: "64Mi" })],
    ["dapr.io/sidecar-memory-limit", "256Mi", (d) => expect(d.resources!.limits).toEqual({ memory: "256Mi" })],
    ["dapr.io/sidecar-liveness-probe-delay-seconds", "7", (d) => expect(d.livenessProbe!.initialDelaySeconds).toBe(7)],
    ["dapr.io/sidecar-liveness-probe-timeout-seconds", "8", (d) => expect(d.livenessProbe!.timeoutSeconds).toBe(8)],
    ["dapr.io/sidecar-liveness-probe-period-seconds", "9", (d) => expect(d.livenessProbe!.periodSeconds).toBe(9)],
    ["dapr.io/sidecar-liveness-probe-threshold", "2", (d) => expect(d.livenessProbe!.failureThreshold).toBe(2)],
    ["dapr.io/sidecar-readiness-probe-delay-seconds", "0", (d) => expect(d.readinessProbe!.initialDelaySeconds).toBe(0)],
    ["dapr.io/sidecar-readiness-probe-timeout-seconds", "4", (d) => expect(d.readinessProbe!.timeoutSeconds).toBe(4)],
    ["dapr.io/sidecar-readiness-probe-period-seconds", "6", (d) => expect(d.readinessProbe!.periodSeconds).toBe(6)],
    ["dapr.io/sidecar-readiness-probe-threshold", "11", (d) => expect(d.readinessProbe!.failureThreshold).toBe(11)],
    ["dapr.io/enable-app-health-check", "true", (d) => {
      expect(arg(d, "--enable-app-health-check")).toBe("true");
      expect(arg(d, "--app-health-check-path")).toBe("/healthz");
      expect(arg(d, "--app-health-probe-interval")).toBe("5");
      expect(arg(d, "--app-health-probe-timeout")).toBe("500");
      expect(arg(d, "--app-health-threshold")).toBe("3");
    }],
    ["dapr.io/volume-mounts", "certs:/etc/certs", (d) => expect(d.volumeMounts).toEqual([{ name: "certs", mountPath: "/etc/certs", readOnly: true }])],
    ["dapr.io/volume-mounts-rw", "scratch:/tmp/scratch", (d) => expect(d.volumeMounts).toEqual([{ name: "scratch", mountPath: "/tmp/scratch", readOnly: false }])],
    ["dapr.io/enable-native-sidecar", "true", (d) => expect(d.restartPolicy).toBe("Always")],
  ];

  it.each(cases)("%s: %s", (key, value, check) => {
    const { result, daprd, after } = inject("deployment-pod-review.json", { [key]: value });
    expect(result.warnings).toEqual([]);
    check(daprd!, after);
  });

  it("covers the app health settings together", () => {
    const { daprd, result } = inject("deployment-pod-review.json", {
      "dapr.io/enable-app-health-check": "true",
      "dapr.io/app-health-check-path": "/ready",
      "dapr.io/app-health-probe-interval": "2",
      "dapr.io/app-health-probe-timeout": "250",
      "dapr.io/app-health-threshold": "7",
    });
    expect(result.warnings).toEqual([]);
    expect([arg(daprd, "--app-health-check-path"), arg(daprd, "--app-health-probe-interval"), arg(daprd, "--app-health-probe-timeout"), arg(daprd, "--app-health-threshold")])
      .toEqual(["/ready", "2", "250", "7"]);
  });

  it("mounts ro and rw volumes together", () => {
    const { daprd } = inject("deployment-pod-review.json", { "dapr.io/volume-mounts": "certs:/etc/certs", "dapr.io/volume-mounts-rw": "scratch:/scratch" });
    expect(daprd!.volumeMounts!.map((m) => [m.name, m.readOnly])).toEqual([["certs", true], ["scratch", false]]);
  });
});

describe("computeSidecarPatch: invalid values fall back to the default with a warning", () => {
  const cases: [string, string, (d: V1Container) => void][] = [
    ["dapr.io/app-port", "abc", (d) => expect(arg(d, "--app-port")).toBeUndefined()],
    ["dapr.io/app-port", "70000", (d) => expect(arg(d, "--app-port")).toBeUndefined()],
    ["dapr.io/app-protocol", "ftp", (d) => expect(arg(d, "--app-protocol")).toBe("http")],
    ["dapr.io/log-level", "loud", (d) => expect(arg(d, "--log-level")).toBe("info")],
    ["dapr.io/log-as-json", "maybe", (d) => expect(arg(d, "--log-as-json")).toBe("false")],
    ["dapr.io/enable-metrics", "nope!", (d) => expect(arg(d, "--enable-metrics")).toBe("true")],
    ["dapr.io/metrics-port", "-3", (d) => expect(arg(d, "--metrics-port")).toBe("9090")],
    ["dapr.io/grpc-port", "5e4", (d) => expect(arg(d, "--dapr-grpc-port")).toBe("50001")],
    ["dapr.io/graceful-shutdown-seconds", "soon", (d) => expect(arg(d, "--dapr-graceful-shutdown-seconds")).toBeUndefined()],
    ["dapr.io/sidecar-cpu-limit", "lots", (d) => expect(d.resources).toBeUndefined()],
    ["dapr.io/max-body-size", "big", (d) => expect(arg(d, "--max-body-size")).toBeUndefined()],
    ["dapr.io/sidecar-readiness-probe-period-seconds", "0", (d) => expect(d.readinessProbe!.periodSeconds).toBe(1)],
    ["dapr.io/app-id", "Check_Out", (d) => expect(arg(d, "--app-id")).toBe("checkout-7d9c8f6b5")],
    ["dapr.io/api-token-secret", "Not A Name", (d) => expect(env(d, "DAPR_API_TOKEN")).toBeUndefined()],
    ["dapr.io/app-health-check-path", "healthz", (d) => expect(d).toBeDefined()],
    ["dapr.io/env", ",,=x", (d) => expect(env(d, "DAPR_ENV_KEYS")).toBeUndefined()],
    ["dapr.io/enable-native-sidecar", "sure", (d) => expect(d.restartPolicy).toBeUndefined()],
    ["dapr.io/sidecar-image", "my image:1", (d) => expect(d.image).toBe("registry.local/dapr-ts:test")],
  ];

  it.each(cases)("%s: %s", (key, value, check) => {
    const { result, daprd } = inject("deployment-pod-review.json", { [key]: value });
    expect(daprd, "the pod still gets its sidecar").toBeDefined();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain(`${key}: invalid value`);
    expect(result.warnings[0]).toContain("using the default");
    expect(result.warnings[0]!.length).toBeLessThan(256);
    check(daprd!);
  });

  it("keeps the good entries of a list and warns about the bad ones", () => {
    const { result, daprd } = inject("deployment-pod-review.json", {
      "dapr.io/env-from-secret": "GOOD=s1,bad entry,ALSO=s2:k",
      "dapr.io/volume-mounts": "certs:/etc/certs,missing:/x,broken",
    });
    expect(env(daprd, "GOOD")).toBeDefined();
    expect(env(daprd, "ALSO")).toBeDefined();
    expect(daprd!.volumeMounts).toEqual([{ name: "certs", mountPath: "/etc/certs", readOnly: true }]);
    expect(result.warnings).toEqual([
      expect.stringContaining("dapr.io/env-from-secret: entry 'bad entry'"),
      expect.stringContaining("dapr.io/volume-mounts: entry 'broken'"),
      expect.stringContaining("volume 'missing' is not defined in the pod"),
    ]);
  });

  it("warns about dapr.io annotations it does not know", () => {
    const { result, daprd } = inject("deployment-pod-review.json", { "dapr.io/enable-profiling": "true" });
    expect(daprd).toBeDefined();
    expect(result.warnings).toEqual(["dapr.io/enable-profiling: not supported by dapr-ts; ignored"]);
  });
});

describe("computeSidecarPatch: conflicting annotations", () => {
  it("warns when the app port is a sidecar port", () => {
    const { result, daprd } = inject("deployment-pod-review.json", { "dapr.io/app-port": "3500" });
    expect(daprd).toBeDefined();
    expect(result.warnings).toEqual([expect.stringContaining("dapr.io/app-port: 3500 is also the sidecar's dapr-http port")]);
  });

  it("warns when two sidecar ports collide", () => {
    const { result } = inject("deployment-pod-review.json", { "dapr.io/grpc-port": "9090" });
    expect(result.warnings).toEqual([expect.stringContaining("port 9090 is used by both dapr-grpc and dapr-metrics")]);
  });

  it("warns when both body-size annotations are set, and max-body-size wins", () => {
    const { result, daprd } = inject("deployment-pod-review.json", { "dapr.io/max-body-size": "2Mi", "dapr.io/http-max-request-size": "9" });
    expect(arg(daprd, "--max-body-size")).toBe("2Mi");
    expect(result.warnings).toEqual([expect.stringContaining("http-max-request-size: ignored")]);
  });

  it("warns when app health checks are on without an app port", () => {
    const { result } = inject("bare-pod-review.json", { "dapr.io/enable-app-health-check": "true" });
    expect(result.warnings).toEqual([expect.stringContaining("needs dapr.io/app-port")]);
  });
});

describe("computeSidecarPatch: native sidecar", () => {
  it("puts daprd first among existing init containers, with restartPolicy Always", () => {
    const { after, result } = inject("deployment-pod-review.json", { "dapr.io/enable-native-sidecar": "true" }, config, (p) => {
      p.spec!.initContainers = [{ name: "migrate", image: "example/migrate" }];
    });
    expect(result.patch.find((o) => o.path.startsWith("/spec/initContainers"))!.path).toBe("/spec/initContainers/0");
    expect(after.spec!.initContainers!.map((c) => c.name)).toEqual(["daprd", "migrate"]);
    expect(after.spec!.initContainers![0]!.restartPolicy).toBe("Always");
    expect(after.spec!.containers.map((c) => c.name)).toEqual(["checkout", "helper"]);
    expect(env(after.spec!.containers[0], "DAPR_HTTP_PORT")).toBeDefined();
  });

  it("creates initContainers when the pod has none", () => {
    const { result, after } = inject("bare-pod-review.json", { "dapr.io/enable-native-sidecar": "true" });
    expect(result.patch.some((o) => o.path === "/spec/initContainers" && Array.isArray(o.value))).toBe(true);
    expect(after.spec!.initContainers!.map((c) => c.name)).toEqual(["daprd"]);
  });

  it("follows the injector default, which the annotation overrides", () => {
    const nativeCfg = defaultPatchConfig({ nativeSidecar: true });
    expect(inject("bare-pod-review.json", {}, nativeCfg).after.spec!.initContainers![0]!.name).toBe("daprd");
    const off = inject("bare-pod-review.json", { "dapr.io/enable-native-sidecar": "false" }, nativeCfg).after;
    expect(off.spec!.initContainers).toBeUndefined();
    expect(off.spec!.containers.map((c) => c.name)).toEqual(["worker", "daprd"]);
  });
});

describe("computeSidecarPatch: injector defaults", () => {
  it("uses resource defaults from the config unless the pod overrides them", () => {
    const cfg = defaultPatchConfig({ defaults: { sidecarCpuRequest: "50m", sidecarMemoryLimit: "128Mi" } });
    expect(inject("bare-pod-review.json", {}, cfg).daprd!.resources).toEqual({ requests: { cpu: "50m" }, limits: { memory: "128Mi" } });
    expect(inject("bare-pod-review.json", { "dapr.io/sidecar-cpu-request": "200m" }, cfg).daprd!.resources!.requests).toEqual({ cpu: "200m" });
  });

  it("does not mutate the input pod", () => {
    const pod = loadPod("deployment-pod-review.json");
    const before = JSON.stringify(pod);
    computeSidecarPatch(pod, config);
    expect(JSON.stringify(pod)).toBe(before);
  });
});

describe("computeSidecarPatch: the args are what our sidecar parses", () => {
  it("round-trips every flag through the sidecar's own flag parser", async () => {
    const { parseSidecarFlags } = await import("../../sidecar/runtime/flags.js");
    const { daprd } = inject("deployment-pod-review.json", {
      "dapr.io/app-protocol": "grpc", "dapr.io/log-level": "debug", "dapr.io/log-as-json": "true", "dapr.io/enable-metrics": "false",
      "dapr.io/metrics-port": "9191", "dapr.io/config": "appconfig", "dapr.io/enable-api-logging": "true",
      "dapr.io/graceful-shutdown-seconds": "9", "dapr.io/app-max-concurrency": "3", "dapr.io/max-body-size": "8Mi",
      "dapr.io/enable-app-health-check": "true", "dapr.io/app-health-check-path": "/up", "dapr.io/app-health-probe-interval": "2",
      "dapr.io/app-health-probe-timeout": "300", "dapr.io/app-health-threshold": "4", "dapr.io/sidecar-listen-addresses": "0.0.0.0",
    });
    expect(daprd!.args![0]).toBe("sidecar");
    const o = parseSidecarFlags(daprd!.args!.slice(1), { NAMESPACE: "shop", POD_NAME: "p" });
    expect(o).toMatchObject({
      mode: "kubernetes", appId: "checkout", appPort: 8080, appProtocol: "grpc", daprHttpPort: 3500, daprGrpcPort: 50001,
      daprInternalGrpcPort: 50002, daprPublicPort: 3501, metricsPort: 9191, enableMetrics: false, config: "appconfig",
      logLevel: "debug", logAsJson: true, enableApiLogging: true, listenAddresses: ["0.0.0.0"], maxBodySize: 8 * 1024 * 1024,
      gracefulShutdownSeconds: 9, appMaxConcurrency: 3, enableAppHealthCheck: true, appHealthCheckPath: "/up",
      appHealthProbeIntervalSeconds: 2, appHealthProbeTimeoutMs: 300, appHealthThreshold: 4,
    });
  });

  it("leaves daprd's defaults in place when annotations are unset", async () => {
    const { parseSidecarFlags } = await import("../../sidecar/runtime/flags.js");
    const o = parseSidecarFlags(inject("bare-pod-review.json").daprd!.args!.slice(1), {});
    expect(o).toMatchObject({ appId: "worker", appPort: undefined, enableMetrics: true, logAsJson: false, maxBodySize: 4 * 1024 * 1024, gracefulShutdownSeconds: 5, listenAddresses: ["::1", "127.0.0.1"] });
  });
});
