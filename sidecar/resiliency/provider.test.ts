import { describe, it, expect } from "vitest";
import { parse as parseYaml } from "yaml";
import { Logger, silentLogger } from "../log/logger.js";
import { metricsRegistry } from "../metrics/registry.js";
import { ManualClock } from "./clock.js";
import { CircuitBreakerOpenError, TimeoutError } from "./errors.js";
import { ResiliencyProvider } from "./provider.js";
import { noopRunner, type Runner } from "./runner.js";
import type { ResiliencyInput, ResiliencyResource } from "./types.js";

const seedYaml = `
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: app-resiliency }
spec:
  policies:
    timeouts: { general: 5s, important: 30s }
    retries:
      pubsubRetry: { policy: exponential, maxInterval: 10s, maxRetries: 5 }
      serviceRetry: { policy: constant, duration: 1s, maxRetries: 3 }
    circuitBreakers:
      paymentCircuitBreaker: { maxRequests: 3, interval: 10s, timeout: 30s, trip: consecutiveFailures >= 5 }
  targets:
    apps:
      payment-service: { timeout: important, retry: serviceRetry, circuitBreaker: paymentCircuitBreaker }
      inventory-service: { timeout: general, retry: serviceRetry }
    components:
      order-pubsub: { outbound: { retry: pubsubRetry } }
`;

function resource(name: string, spec: object, extra: object = {}): ResiliencyResource {
  return { apiVersion: "dapr.io/v1alpha1", kind: "Resiliency", metadata: { name }, spec: spec as ResiliencyResource["spec"], ...extra };
}

function provider(resources: ResiliencyInput[], appId = `app-${Math.random().toString(36).slice(2)}`) {
  const clock = new ManualClock();
  const p = new ResiliencyProvider(resources, { logger: silentLogger, appId, clock, random: () => 0.5 });
  return { p, clock, appId };
}

/** Calls `runner` with an always-failing operation; returns the attempt start times. */
async function failingAttempts(clock: ManualClock, runner: Runner): Promise<{ times: number[]; error: unknown }> {
  const times: number[] = [];
  const out = await clock.drive(runner.run(async () => {
    times.push(clock.now());
    throw Object.assign(new Error("unavailable"), { httpStatus: 503 });
  }));
  return { times, error: out.error };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe("ResiliencyProvider with the seed resiliency.yaml", () => {
  const seed = parseYaml(seedYaml) as ResiliencyResource;

  it("loads without errors", () => {
    const { p } = provider([seed]);
    expect(p.errors).toEqual([]);
    expect(p.policyDefined("payment-service", "app")).toBe(true);
    expect(p.policyDefined("order-pubsub", "component")).toBe(true);
    expect(p.policyDefined("unknown", "app")).toBe(false);
  });

  it("inventory-service: 1 + 3 attempts, 1s apart", async () => {
    const { p, clock } = provider([seed]);
    const { times } = await failingAttempts(clock, p.endpointPolicy("inventory-service", "inventory-service:stock"));
    expect(times.length).toBe(4);
    expect(gaps(times)).toEqual([1000, 1000, 1000]);
  });

  it("inventory-service: the 5s `general` timeout cuts a hanging call", async () => {
    const { p, clock } = provider([seed]);
    const starts: number[] = [];
    const out = await clock.drive(p.endpointPolicy("inventory-service").run(() => {
      starts.push(clock.now());
      return new Promise<never>(() => {});
    }));
    expect(out.error).toBeInstanceOf(TimeoutError);
    // Each attempt waits 5s for its timeout, then 1s before the next attempt.
    expect(gaps(starts)).toEqual([6000, 6000, 6000]);
  });

  it("payment-service: the breaker (consecutiveFailures >= 5) opens across calls and fails fast", async () => {
    const { p, clock } = provider([seed]);
    const runner = () => p.endpointPolicy("payment-service", "payment-service:pay");
    const first = await failingAttempts(clock, runner());
    expect(first.times.length).toBe(4); // 4 failures, breaker still closed
    const second = await failingAttempts(clock, runner());
    expect(second.times.length).toBe(1); // 5th failure trips it; the retry is refused
    expect(second.error).toBeInstanceOf(CircuitBreakerOpenError);

    let called = false;
    const third = await clock.drive(runner().run(async () => ((called = true), "x")));
    expect(third.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(called).toBe(false);

    // Another method of the same app has its own breaker, as in daprd.
    const other = await clock.drive(p.endpointPolicy("payment-service", "payment-service:refund").run(async () => "ok"));
    expect(other.value).toBe("ok");

    // After the 30s open timeout it half-opens; 3 successes (maxRequests) close it.
    await clock.advance(30_001);
    for (let i = 0; i < 3; i++) {
      const r = await clock.drive(runner().run(async () => "ok"));
      expect(r.value).toBe("ok");
    }
    const after = await failingAttempts(clock, runner());
    expect(after.times.length).toBe(4); // closed again: full retry budget
  });

  it("order-pubsub outbound: exponential, 5 retries, capped by maxInterval 10s", async () => {
    const { p, clock } = provider([seed]);
    const { times } = await failingAttempts(clock, p.componentOutbound("order-pubsub", "pubsub"));
    expect(times.length).toBe(6);
    expect(gaps(times)).toEqual([500, 750, 1125, 1687.5, 2531.25]);
    // Inbound has nothing configured for it, and no defaults exist.
    expect(p.componentInbound("order-pubsub", "pubsub")).toBe(noopRunner);
  });

  it("targets without a policy get the zero-overhead runner", () => {
    const { p } = provider([seed]);
    expect(p.endpointPolicy("someone-else")).toBe(noopRunner);
    expect(p.componentOutbound("statestore", "state")).toBe(noopRunner);
    expect(p.actorPolicy("MyActor", "1")).toBe(noopRunner);
    expect(ResiliencyProvider.empty().endpointPolicy("x")).toBe(noopRunner);
  });
});

describe("retry matching from YAML", () => {
  const yamlText = `
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: matching }
spec:
  policies:
    retries:
      retry5xx:
        policy: constant
        duration: 200ms
        maxRetries: 2
        matching: { httpStatusCodes: "429,500-599", gRPCStatusCodes: "14" }
  targets:
    apps:
      backend: { retry: retry5xx }
`;

  it("retries exactly maxRetries times for listed codes and not at all for others", async () => {
    const { p, clock } = provider([parseYaml(yamlText) as ResiliencyResource]);
    expect(p.errors).toEqual([]);
    const attempts = async (err: object) => {
      let n = 0;
      await clock.drive(p.endpointPolicy("backend").run(async () => {
        n++;
        throw Object.assign(new Error("failed"), err);
      }));
      return n;
    };
    expect(await attempts({ httpStatus: 503 })).toBe(3);
    expect(await attempts({ httpStatus: 429 })).toBe(3);
    expect(await attempts({ httpStatus: 404 })).toBe(1);
    expect(await attempts({ grpcCode: 14 })).toBe(3);
    expect(await attempts({ grpcCode: 5 })).toBe(1);

    // An app's HTTP response classified by status is retried the same way.
    let calls = 0;
    const out = await clock.drive(p.endpointPolicy("backend").run(async () => ({ status: ++calls < 3 ? 502 : 200 }), {
      classify: (r) => (r.status >= 300 ? { httpStatus: r.status } : undefined),
    }));
    expect(out.value).toEqual({ status: 200 });
    expect(calls).toBe(3);
  });
});

describe("default policies", () => {
  const spec = {
    policies: {
      timeouts: { DefaultTimeoutPolicy: "9s", DefaultComponentOutboundTimeoutPolicy: "3s" },
      retries: {
        DefaultRetryPolicy: { policy: "constant", duration: "100ms", maxRetries: 1 },
        DefaultAppRetryPolicy: { policy: "constant", duration: "200ms", maxRetries: 2 },
        DefaultStatestoreComponentOutboundRetryPolicy: { policy: "constant", duration: "300ms", maxRetries: 3 },
        DefaultComponentInboundRetryPolicy: { policy: "constant", duration: "400ms", maxRetries: 4 },
        fast: { policy: "constant", duration: "10ms", maxRetries: 1 },
      },
    },
    targets: { apps: { appA: { retry: "fast" } }, components: { actorstore: { outbound: { retry: "fast" } } } },
  };

  it("resolves most specific first, each kind on its own; named targets ignore defaults", async () => {
    const { p, clock } = provider([resource("defaults", spec)]);
    expect(p.errors).toEqual([]);
    const gapsOf = async (r: Runner) => gaps((await failingAttempts(clock, r)).times);
    expect(await gapsOf(p.endpointPolicy("appA"))).toEqual([10]);
    expect(await gapsOf(p.endpointPolicy("appC"))).toEqual([200, 200]);
    expect(await gapsOf(p.componentOutbound("statestore", "state"))).toEqual([300, 300, 300]);
    expect(await gapsOf(p.componentOutbound("actorstore", "state"))).toEqual([10]);
    expect(await gapsOf(p.componentOutbound("pubsub", "pubsub"))).toEqual([100]);
    expect(await gapsOf(p.componentInbound("pubsub", "pubsub"))).toEqual([400, 400, 400, 400]);
    expect(await gapsOf(p.actorPolicy("SummaryActor", "1"))).toEqual([100]);
  });

  it("keeps each category and direction apart once resolved (resolutions are cached)", async () => {
    const { p, clock } = provider([resource("defaults", spec)]);
    const gapsOf = async (r: Runner) => gaps((await failingAttempts(clock, r)).times);
    for (let round = 0; round < 2; round++) {
      expect(await gapsOf(p.componentOutbound("s1", "state"))).toEqual([300, 300, 300]);
      expect(await gapsOf(p.componentInbound("s1", "state"))).toEqual([400, 400, 400, 400]);
      expect(await gapsOf(p.componentOutbound("b1", "bindings"))).toEqual([100]);
      expect(await gapsOf(p.endpointPolicy("appC"))).toEqual([200, 200]);
      expect(await gapsOf(p.actorPolicy("SummaryActor", "1"))).toEqual([100]);
    }
    // Another provider with other resources resolves on its own.
    expect(provider([]).p.componentOutbound("s1", "state")).toBe(noopRunner);
  });

  it("default timeouts apply per level too", async () => {
    const { p, clock } = provider([resource("defaults", spec)]);
    const hang = () => new Promise<never>(() => {});
    const timed = async (r: Runner) => {
      const start = clock.now();
      const starts: number[] = [];
      await clock.drive(r.run(() => (starts.push(clock.now()), hang())));
      return starts[1]! - start;
    };
    // component outbound: 3s timeout + 100ms wait (DefaultRetryPolicy)
    expect(await timed(p.componentOutbound("pubsub", "pubsub"))).toBe(3100);
    // app: 9s top-level default timeout + 200ms DefaultAppRetryPolicy wait
    expect(await timed(p.endpointPolicy("appC"))).toBe(9200);
  });
});

describe("actors", () => {
  it("scope `id` gives each actor its own breaker, scope `type` shares one", async () => {
    const spec = {
      policies: { circuitBreakers: { cb: { trip: "consecutiveFailures >= 1", timeout: "1m" } } },
      targets: {
        actors: {
          PerId: { circuitBreaker: "cb", circuitBreakerScope: "id" },
          PerType: { circuitBreaker: "cb", circuitBreakerScope: "type" },
        },
      },
    };
    const { p, clock } = provider([resource("actors", spec)]);
    expect(p.errors).toEqual([]);
    await failingAttempts(clock, p.actorPolicy("PerId", "a"));
    expect((await clock.drive(p.actorPolicy("PerId", "b").run(async () => "ok"))).value).toBe("ok");
    expect((await clock.drive(p.actorPolicy("PerId", "a").run(async () => "ok"))).error).toBeInstanceOf(CircuitBreakerOpenError);

    await failingAttempts(clock, p.actorPolicy("PerType", "a"));
    expect((await clock.drive(p.actorPolicy("PerType", "b").run(async () => "ok"))).error).toBeInstanceOf(CircuitBreakerOpenError);
  });

  it("splits pre-lock (retry, breaker) and post-lock (timeout) policies", async () => {
    const spec = {
      policies: { timeouts: { t: "2s" }, retries: { r: { duration: "1s", maxRetries: 1 } } },
      targets: { actors: { A: { timeout: "t", retry: "r" } } },
    };
    const { p } = provider([resource("a", spec)]);
    expect(p.actorPreLockPolicy("A", "1").hasRetries).toBe(true);
    expect(p.actorPostLockPolicy("A", "1").hasRetries).toBe(false);
    expect(p.actorPostLockPolicy("A", "1")).not.toBe(noopRunner);
  });
});

describe("loading problems", () => {
  it("names the resource and field of each bad entry and still loads the rest", async () => {
    const bad = resource("broken-policies", {
      policies: {
        timeouts: { good: "2s", bad: "5x" },
        retries: {
          okRetry: { policy: "constant", duration: "10ms", maxRetries: 2 },
          badDuration: { policy: "constant", duration: "soon" },
          badPolicy: { policy: "linear" },
          badMatching: { matching: { httpStatusCodes: "600" } },
        },
        circuitBreakers: {
          badTrip: { trip: "consecutiveFailures >" },
          badTimeout: { timeout: "1 minute" },
          okBreaker: { trip: "consecutiveFailures > 1" },
        },
      },
      targets: {
        apps: { svc: { timeout: "good", retry: "okRetry", circuitBreaker: "missingBreaker" } },
        actors: { NoScope: { circuitBreaker: "okBreaker" }, BadScope: { circuitBreaker: "okBreaker", circuitBreakerScope: "everything" } },
        components: { store: { outbound: { retry: "badDuration" } } },
      },
    });
    const { p, clock } = provider([bad]);
    const expected = [
      'resiliency "broken-policies": spec.policies.timeouts.bad: unknown unit "x" in duration "5x"',
      'resiliency "broken-policies": spec.policies.retries.badDuration.duration: invalid duration "soon"',
      'resiliency "broken-policies": spec.policies.retries.badPolicy.policy: unexpected back off policy type: linear',
      'resiliency "broken-policies": spec.policies.retries.badMatching.matching: invalid pattern 600, start code 600 is not valid',
      'resiliency "broken-policies": spec.policies.circuitBreakers.badTrip.trip: invalid CEL expression',
      'resiliency "broken-policies": spec.policies.circuitBreakers.badTimeout.timeout: unknown unit',
      'resiliency "broken-policies": spec.targets.actors.NoScope.circuitBreakerScope: actor circuit breakers must include scope',
      'resiliency "broken-policies": spec.targets.actors.BadScope.circuitBreakerScope: unknown circuit breaker scope "everything"',
      'resiliency "broken-policies": spec.targets.apps.svc.circuitBreaker: circuit breaker policy "missingBreaker" is not defined',
      'resiliency "broken-policies": spec.targets.components.store.outbound.retry: retry policy "badDuration" is not defined',
    ];
    expect(p.errors.length).toBe(expected.length);
    for (const prefix of expected) expect(p.errors.filter((x) => x.startsWith(prefix)), prefix).toHaveLength(1);

    // The valid parts of the file still work.
    const { times } = await failingAttempts(clock, p.endpointPolicy("svc"));
    expect(gaps(times)).toEqual([10, 10]);
    // A component whose only policy was dropped keeps its (now empty) named target: no defaults, no policy.
    expect(p.componentOutbound("store", "state")).toBe(noopRunner);
  });

  it("keeps one resource's mistakes from affecting another resource", () => {
    const good = resource("good", { policies: { timeouts: { t: "1s" } }, targets: { apps: { a: { timeout: "t" } } } });
    const bad = resource("bad", { policies: { timeouts: { u: "nope" } }, targets: {} });
    const { p } = provider([good, bad]);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatch(/^resiliency "bad": spec\.policies\.timeouts\.u: /);
    expect(p.endpointPolicy("a")).not.toBe(noopRunner);
  });

  it("warns (but loads) a trip that uses an unknown variable", () => {
    const { p } = provider([resource("w", { policies: { circuitBreakers: { cb: { trip: "failures > 3" } } }, targets: {} })]);
    expect(p.errors).toEqual([]);
    expect(p.warnings[0]).toMatch(/circuitBreakers\.cb\.trip: Unknown variable: failures/);
  });

  it("reports wrongly-typed sections instead of crashing", () => {
    const weird = {
      metadata: { name: "weird" },
      spec: {
        policies: { timeouts: ["5s"], retries: { r: "not-a-map", m: { matching: { httpStatusCodes: 503 } } }, circuitBreakers: { c: { timeout: { s: 1 } } } },
        targets: { apps: "nope", components: { x: { outbound: { retry: 42 } } } },
      },
    };
    const { p } = provider([weird]);
    expect(p.errors).toContain('resiliency "weird": spec.policies.timeouts: must be a map');
    expect(p.errors).toContain('resiliency "weird": spec.targets.apps: must be a map');
    expect(p.errors.some((e) => e.startsWith('resiliency "weird": spec.policies.circuitBreakers.c.timeout: '))).toBe(true);
    // A lone numeric status code from YAML is accepted.
    expect(p.errors.some((e) => e.includes("retries.m"))).toBe(false);
    expect(p.componentOutbound("x", "state")).toBe(noopRunner);
  });

  it("names the source file when given { resource, source } pairs", () => {
    const bad = resource("from-file", { policies: { timeouts: { t: "10 s" } }, targets: {} });
    const p = new ResiliencyProvider([{ resource: bad, source: "/components/resiliency.yaml" }], { logger: silentLogger, appId: "a" });
    expect(p.errors).toEqual(['resiliency "from-file" (/components/resiliency.yaml): spec.policies.timeouts.t: unknown unit " s" in duration "10 s"']);
  });

  it("does not crash on a resource without spec", () => {
    const { p } = provider([{ metadata: { name: "empty" } } as unknown as ResiliencyResource]);
    expect(p.errors).toEqual(['resiliency "empty": spec: missing']);
  });

  it("logs each problem", () => {
    const lines: string[] = [];
    const logger = new Logger({ level: "debug", sink: (l) => lines.push(l) });
    const p = new ResiliencyProvider([resource("logged", { policies: { timeouts: { x: "1q" } }, targets: {} })], { logger, appId: "a" });
    expect(p.errors).toHaveLength(1);
    expect(lines.some((l) => l.includes("Could not read resiliency policy") && l.includes("timeouts.x"))).toBe(true);
  });
});

describe("scopes and built-ins", () => {
  it("ignores resources scoped to other apps", () => {
    const r = resource("scoped", { policies: { timeouts: { t: "1s" } }, targets: { apps: { x: { timeout: "t" } } } }, { scopes: ["other-app"] });
    expect(provider([r], "me").p.endpointPolicy("x")).toBe(noopRunner);
    expect(provider([r], "other-app").p.endpointPolicy("x")).not.toBe(noopRunner);
  });

  it("provides Dapr's built-in retries", async () => {
    const { p, clock } = provider([]);
    const { times } = await failingAttempts(clock, p.builtIn("DaprBuiltInServiceRetries"));
    expect(gaps(times)).toEqual([1000, 1000, 1000]);
    const init = await failingAttempts(clock, p.builtIn("DaprBuiltInInitializationRetries"));
    expect(gaps(init.times)).toEqual([500, 750, 1000]);
  });

  it("lets users override built-ins, but not below 3 retries, and never the protected one", async () => {
    const { p, clock } = provider([
      resource("override", {
        policies: {
          retries: {
            DaprBuiltInServiceRetries: { policy: "constant", duration: "50ms", maxRetries: 1 },
            DaprBuiltInActorNotFoundRetries: { policy: "constant", duration: "1ms", maxRetries: 100 },
          },
        },
        targets: {},
      }),
    ]);
    expect(gaps((await failingAttempts(clock, p.builtIn("DaprBuiltInServiceRetries"))).times)).toEqual([50, 50, 50]);
    expect(gaps((await failingAttempts(clock, p.builtIn("DaprBuiltInActorNotFoundRetries"))).times)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(p.warnings.some((w) => w.includes("minimum retry count"))).toBe(true);
    expect(p.warnings.some((w) => w.includes("protected"))).toBe(true);
  });
});

describe("metrics", () => {
  it("records loaded, count, activations and breaker state with Dapr's labels", async () => {
    const appId = `metrics-${Math.random().toString(36).slice(2)}`;
    const spec = {
      policies: {
        timeouts: { t: "1s" },
        retries: { r: { duration: "10ms", maxRetries: 1 } },
        circuitBreakers: { cb: { trip: "consecutiveFailures >= 1" } },
      },
      targets: { apps: { target: { timeout: "t", retry: "r", circuitBreaker: "cb" } }, components: { st: { inbound: { retry: "r" } } } },
    };
    const { p, clock } = provider([resource("metrics-res", spec)], appId);
    await failingAttempts(clock, p.endpointPolicy("target"));
    await failingAttempts(clock, p.componentInbound("st", "bindings"));

    const text = await metricsRegistry.metrics();
    const lines = text.split("\n").filter((l) => l.includes(appId));
    const has = (re: RegExp) => lines.some((l) => re.test(l));
    expect(has(/^dapr_resiliency_loaded\{app_id="metrics-[^"]+",name="metrics-res",namespace=""\} 1$/)).toBe(true);
    expect(has(/^dapr_resiliency_count\{.*name="metrics-res",policy="retry",namespace="",flow_direction="outbound",target="app_target",status=""\} 1$/)).toBe(true);
    expect(has(/^dapr_resiliency_count\{.*policy="circuitbreaker".*target="app_target",status="closed"\} 1$/)).toBe(true);
    expect(has(/^dapr_resiliency_activations_total\{.*policy="retry".*target="app_target",status=""\} 1$/)).toBe(true);
    expect(has(/^dapr_resiliency_activations_total\{.*policy="circuitbreaker".*target="app_target",status="open"\} 1$/)).toBe(true);
    expect(has(/^dapr_resiliency_cb_state\{.*target="app_target",status="closed"\} 1$/)).toBe(true);
    expect(has(/^dapr_resiliency_count\{.*policy="retry",namespace="",flow_direction="inbound",target="Binding_st",status=""\} 1$/)).toBe(true);
  });
});
