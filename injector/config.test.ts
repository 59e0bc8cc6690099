import { describe, it, expect } from "vitest";
import { parseInjectorConfig } from "./config.js";

describe("parseInjectorConfig", () => {
  it("has Dapr-like defaults and is permissive by default", () => {
    const c = parseInjectorConfig([], {});
    expect(c).toMatchObject({
      port: 4000, healthzPort: 8080, metricsPort: 9090, namespace: "dapr-system",
      webhookConfigName: "dapr-ts-sidecar-injector", serviceName: "dapr-ts-sidecar-injector",
      caSecretName: "dapr-ts-sidecar-injector-ca", logLevel: "info", logAsJson: false,
    });
    expect(c.patch).toMatchObject({ sidecarImage: "dapr-ts:latest", imagePullPolicy: "IfNotPresent", nativeSidecar: false, sidecarCommand: ["dapr-ts"] });
    expect(c.auth).toEqual({ restrictToControllers: false, allowedServiceAccounts: [], allowedServiceAccountPrefixes: [] });
  });

  it("reads Dapr's environment names, and flags win over them", () => {
    const env = {
      NAMESPACE: "ctl", SIDECAR_IMAGE: "env/image:1", NATIVE_SIDECAR: "true", ALLOWED_SERVICE_ACCOUNTS: "a:b, c:d",
      ALLOWED_SERVICE_ACCOUNTS_PREFIX_NAMES: "team-*:ci*", RESTRICT_TO_CONTROLLERS: "true", SIDECAR_CPU_REQUEST: "100m",
    };
    const fromEnv = parseInjectorConfig([], env);
    expect(fromEnv.namespace).toBe("ctl");
    expect(fromEnv.patch.sidecarImage).toBe("env/image:1");
    expect(fromEnv.patch.nativeSidecar).toBe(true);
    expect(fromEnv.patch.defaults.sidecarCpuRequest).toBe("100m");
    expect(fromEnv.auth).toEqual({ restrictToControllers: true, allowedServiceAccounts: ["a:b", "c:d"], allowedServiceAccountPrefixes: ["team-*:ci*"] });

    const fromFlags = parseInjectorConfig(["--namespace", "flag-ns", "--sidecar-image=flag/image:2", "--native-sidecar=false", "--port", "4443", "--log-as-json", "--log-level", "debug"], env);
    expect(fromFlags).toMatchObject({ namespace: "flag-ns", port: 4443, logAsJson: true, logLevel: "debug" });
    expect(fromFlags.patch.sidecarImage).toBe("flag/image:2");
    expect(fromFlags.patch.nativeSidecar).toBe(false);
  });

  it("treats a bare boolean flag as true", () => {
    expect(parseInjectorConfig(["--native-sidecar"], {}).patch.nativeSidecar).toBe(true);
    expect(parseInjectorConfig(["--restrict-to-controllers"], {}).auth.restrictToControllers).toBe(true);
  });

  const bad: [string[], RegExp][] = [
    [["--port", "http"], /--port: invalid port 'http'/],
    [["--metrics-port", "70000"], /--metrics-port: invalid port/],
    [["--native-sidecar=perhaps"], /--native-sidecar: invalid boolean 'perhaps'/],
    [["--sidecar-image-pull-policy", "Sometimes"], /expected Always, IfNotPresent or Never/],
    [["--sidecar-memory-limit", "lots"], /--sidecar-memory-limit: invalid value 'lots'/],
    [["--log-level", "loud"], /invalid log level/],
    [["--tls-cert-file", "/x.pem"], /go together/],
    [["--no-such-flag"], /Unknown option/],
  ];
  it.each(bad)("rejects %j with a clear message", (argv, message) => {
    expect(() => parseInjectorConfig(argv, {})).toThrow(message);
  });
});
