import { describe, it, expect } from "vitest";
import { parse as parseYaml } from "yaml";
import { defaultConfiguration, isFeatureEnabled, parseConfiguration, samplingRate } from "./configuration.js";
import { evaluateAccessControl, parseAccessControl } from "./access-control.js";
import { isSecretAllowed } from "./secret-scopes.js";

const fullYaml = `
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: appconfig, namespace: prod }
spec:
  tracing:
    samplingRate: "0.5"
    stdout: true
    zipkin: { endpointAddress: "http://zipkin:9411/api/v2/spans" }
    otel: { endpointAddress: "otel:4317", isSecure: false, protocol: GRPC, headers: "api-key=a%20b, x-team = blue", timeout: 5s }
  metric:
    enabled: false
    http: { increasedCardinality: false, pathMatching: ["/orders/{id}"] }
  metrics:
    enabled: true
    latencyDistributionBuckets: [1, 5, 10]
  features:
    - { name: HotReload, enabled: true }
    - { name: ActorStateTTL, enabled: false }
  accessControl:
    trustDomain: mydomain
    policies:
      - appId: caller
        defaultAction: deny
        trustDomain: mydomain
        namespace: prod
        operations: [{ name: /ping, httpVerb: [GET], action: allow }]
  secrets:
    scopes:
      - { storeName: vault, defaultAccess: deny, allowedSecrets: [db] }
  api:
    allowed: [{ name: state, version: v1.0, protocol: HTTP }]
  httpPipeline:
    handlers: [{ name: upper, type: middleware.http.uppercase }]
  appHttpPipeline:
    handlers: [{ name: auth, type: middleware.http.bearer, selector: { fields: [{ field: path, value: /x }] } }]
  nameResolution: { component: mdns, version: v1, configuration: { a: 1 } }
  logging: { apiLogging: { enabled: true, omitHealthChecks: true } }
  components: { deny: [bindings.smtp, state.redis/v1] }
  workflow:
    maxConcurrentWorkflowInvocations: 10
    maxConcurrentActivityInvocations: 0
    stateRetentionPolicy: { completed: 1h, failed: 24h }
`;

describe("parseConfiguration", () => {
  it("gives daprd's defaults for a missing configuration", () => {
    const { config, errors } = parseConfiguration(undefined);
    expect(errors).toEqual([]);
    expect(config).toEqual(defaultConfiguration());
    expect(config.metric.enabled).toBe(true);
    expect(config.tracing.otel.isSecure).toBe(true);
    expect(config.accessControl).toEqual({ defaultAction: "allow", trustDomain: "public" });
    expect(samplingRate(config)).toBe(1e-4);
  });

  it("reads every section of a full resource", () => {
    const { config, errors } = parseConfiguration(parseYaml(fullYaml));
    expect(errors).toEqual([]);
    expect(config.name).toBe("appconfig");
    expect(config.namespace).toBe("prod");
    expect(samplingRate(config)).toBe(0.5);
    expect(config.tracing.stdout).toBe(true);
    expect(config.tracing.zipkin.endpointAddress).toBe("http://zipkin:9411/api/v2/spans");
    expect(config.tracing.otel).toEqual({ endpointAddress: "otel:4317", isSecure: false, protocol: "grpc", headers: { "api-key": "a b", "x-team": "blue" }, timeoutMs: 5000 });
    // `metrics` overrides `metric` field by field.
    expect(config.metric.enabled).toBe(true);
    expect(config.metric.http).toEqual({ increasedCardinality: false, pathMatching: ["/orders/{id}"], excludeVerbs: false });
    expect(config.metric.latencyDistributionBuckets).toEqual([1, 5, 10]);
    expect(isFeatureEnabled(config, "HotReload")).toBe(true);
    expect(isFeatureEnabled(config, "ActorStateTTL")).toBe(false);
    expect(isFeatureEnabled(config, "Unknown")).toBe(false);
    expect(config.api.allowed).toEqual([{ name: "state", version: "v1.0", protocol: "http" }]);
    expect(config.api.denied).toBeUndefined();
    expect(config.httpPipeline.handlers).toEqual([{ name: "upper", type: "middleware.http.uppercase", version: "", selector: { fields: [] } }]);
    expect(config.appHttpPipeline.handlers[0]!.selector.fields).toEqual([{ field: "path", value: "/x" }]);
    expect(config.nameResolution).toEqual({ component: "mdns", version: "v1", configuration: { a: 1 } });
    expect(config.logging.apiLogging).toEqual({ enabled: true, obfuscateURLs: false, omitHealthChecks: true });
    expect(config.components.deny).toEqual(["bindings.smtp", "state.redis/v1"]);
    expect(config.workflow).toEqual({ maxConcurrentWorkflowInvocations: 10, stateRetentionPolicy: { completed: 3_600_000, failed: 86_400_000 } });
  });

  it("merges accessControl over the defaults, so an omitted defaultAction stays allow", () => {
    const { config } = parseConfiguration(parseYaml(fullYaml));
    expect(config.accessControl.defaultAction).toBe("allow");
    expect(config.accessControl.trustDomain).toBe("mydomain");
    const { acl, errors } = parseAccessControl(config.accessControl, { isHttp: true });
    expect(errors).toEqual([]);
    const base = { callerAppId: "caller", callerNamespace: "prod", trustDomain: "mydomain" };
    expect(evaluateAccessControl(acl, { ...base, operation: "/ping", httpVerb: "GET" }).allowed).toBe(true);
    expect(evaluateAccessControl(acl, { ...base, operation: "/other", httpVerb: "GET" }).allowed).toBe(false);
    expect(evaluateAccessControl(acl, { callerAppId: "stranger", operation: "/x", httpVerb: "GET" }).allowed).toBe(true);
  });

  it("feeds secret scopes", () => {
    const { config } = parseConfiguration(parseYaml(fullYaml));
    expect(isSecretAllowed(config.secrets.scopes, "vault", "db")).toBe(true);
    expect(isSecretAllowed(config.secrets.scopes, "vault", "other")).toBe(false);
  });

  it("accepts a bare spec", () => {
    const { config, errors } = parseConfiguration({ features: [{ name: "HotReload", enabled: true }] });
    expect(errors).toEqual([]);
    expect(isFeatureEnabled(config, "HotReload")).toBe(true);
  });

  it("the last entry for a feature wins", () => {
    expect(isFeatureEnabled({ features: [{ name: "F", enabled: true }, { name: "F", enabled: false }] }, "F")).toBe(false);
    expect(isFeatureEnabled({ features: [{ name: "F", enabled: false }, { name: "F", enabled: true }] }, "F")).toBe(true);
  });

  it("coerces YAML scalars daprd accepts", () => {
    const { config, errors } = parseConfiguration({ spec: { tracing: { samplingRate: 1, otel: { timeout: 2500 } } } });
    expect(errors).toEqual([]);
    expect(config.tracing.samplingRate).toBe("1");
    expect(config.tracing.otel.timeoutMs).toBe(2500);
    expect(samplingRate(parseConfiguration({ spec: { tracing: { samplingRate: "0" } } }).config)).toBe(0);
  });

  it("reports bad fields by path, keeps defaults for them, and never throws", () => {
    const { config, errors } = parseConfiguration({
      kind: "Configuration",
      metadata: { name: "bad" },
      spec: {
        tracing: { samplingRate: "lots", stdout: "yes", otel: { protocol: "udp", headers: "novalue", timeout: "soon" } },
        metric: { enabled: "maybe", latencyDistributionBuckets: [1, "x"] },
        features: "HotReload",
        secrets: { scopes: [{ storeName: "a" }, { storeName: "a", defaultAccess: "sometimes" }] },
        accessControl: { policies: "all" },
        workflow: { maxConcurrentWorkflowInvocations: 1.5, stateRetentionPolicy: { completed: "1 day" } },
        components: { deny: [1, {}] },
        wasm: [],
      },
    });
    expect(errors).toEqual([
      'spec.tracing.samplingRate: "lots" is not a number',
      "spec.tracing.stdout: must be true or false",
      'spec.tracing.otel.protocol: must be grpc or http, got "udp"',
      'spec.tracing.otel.headers: invalid header "novalue"',
      'spec.tracing.otel.timeout: invalid duration "soon"',
      "spec.metric.enabled: must be true or false",
      "spec.metric.latencyDistributionBuckets[1]: must be an integer",
      "spec.secrets.scopes[1]: a storeName is repeated in secrets configuration",
      "spec.secrets.scopes[1]: defaultAccess sometimes can be either allow or deny",
      "spec.accessControl.policies: must be a list",
      "spec.features: must be a list",
      "spec.components.deny[1]: must be a string",
      "spec.wasm: must be an object",
      "spec.workflow.maxConcurrentWorkflowInvocations: must be an integer",
      'spec.workflow.stateRetentionPolicy.completed: unknown unit " day" in duration "1 day"',
    ]);
    expect(config.tracing.stdout).toBe(false);
    expect(config.metric.enabled).toBe(true);
    expect(config.metric.latencyDistributionBuckets).toEqual([1]);
    expect(config.features).toEqual([]);
    expect(samplingRate(config)).toBe(1e-4);
  });

  it("rejects a non-object input with an error", () => {
    expect(parseConfiguration("config").errors).toEqual(["configuration: must be an object"]);
    expect(parseConfiguration([]).errors).toEqual(["configuration: must be an object"]);
  });
});
