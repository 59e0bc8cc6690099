import { describe, expect, it } from "vitest";
import { Counter } from "./prom.js";
import { FastCounter } from "./fast-metrics.js";
import { SidecarRegistry } from "./registry.js";

describe("SidecarRegistry", () => {
  it("serves Dapr's metrics and the process's by default", async () => {
    const registry = new SidecarRegistry();
    new FastCounter({ name: "dapr_test_total", help: "h", labelNames: ["app_id"], registers: [registry] }).inc({ app_id: "a" });
    const text = await registry.metrics();
    expect(text).toMatch(/^dapr_test_total\{app_id="a"\} 1$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it("with Dapr metrics off, drops the declared ones, refuses later ones, and keeps the others", async () => {
    const registry = new SidecarRegistry();
    const before = new FastCounter({ name: "dapr_before_total", help: "h", labelNames: ["app_id"], registers: [registry] });
    new Counter({ name: "other_total", help: "h", registers: [registry] }).inc();
    registry.disableDaprMetrics();
    const after = new FastCounter({ name: "dapr_after_total", help: "h", labelNames: ["app_id"], registers: [registry] });
    before.inc({ app_id: "a" });
    after.inc({ app_id: "a" });
    const text = await registry.metrics();
    expect(text).not.toMatch(/^dapr_/m);
    expect(text).toMatch(/^other_total 1$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
