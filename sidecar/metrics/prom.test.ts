import * as promIndex from "prom-client";
import { describe, expect, it } from "vitest";
import { Counter, Gauge, Histogram, Registry } from "./prom.js";
import { metricsRegistry } from "./registry.js";

describe("prom-client without its index", () => {
  it("gives prom-client's own classes (the module paths exist in the installed version)", () => {
    expect(Counter).toBe(promIndex.Counter);
    expect(Gauge).toBe(promIndex.Gauge);
    expect(Histogram).toBe(promIndex.Histogram);
    expect(Registry).toBe(promIndex.Registry);
  });

  it("adds the process metrics to the sidecar's registry on the first scrape", async () => {
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    // Once only: a second scrape does not register them again (that would throw).
    expect(await metricsRegistry.metrics()).toMatch(/^process_resident_memory_bytes /m);
    const json = await metricsRegistry.getMetricsAsJSON();
    expect(json.some((m) => m.name === "nodejs_eventloop_lag_seconds")).toBe(true);
  });
});
