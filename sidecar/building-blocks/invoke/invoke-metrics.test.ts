import { describe, expect, it } from "vitest";
import { InboundMetrics, invokeMetrics, OutboundMetrics } from "./invoke-metrics.js";

/** The values of a metric's series whose app_id is `appId`, by their labels. */
async function valuesOf(metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, appId: string) {
  return (await metric.get()).values.filter((v) => v.labels["app_id"] === appId);
}

describe("OutboundMetrics", () => {
  it("counts calls and answers under the same labels as direct updates", async () => {
    const m = new OutboundMetrics("om-test-caller", "http");
    m.of("callee", "echo").sent.inc();
    m.of("callee", "echo").sent.inc();
    m.of("other", "a/b").sent.inc();
    m.of("callee", "echo").answered(200, 3);
    m.of("callee", "echo").answered(200, 7);
    m.of("callee", "echo").answered(404, 1);
    expect(await valuesOf(invokeMetrics.reqSent, "om-test-caller")).toEqual([
      { value: 2, labels: { app_id: "om-test-caller", dest_app_id: "callee", method: "echo", type: "http" } },
      { value: 1, labels: { app_id: "om-test-caller", dest_app_id: "other", method: "a/b", type: "http" } },
    ]);
    expect(await valuesOf(invokeMetrics.resRecv, "om-test-caller")).toEqual([
      { value: 2, labels: { app_id: "om-test-caller", dest_app_id: "callee", method: "echo", type: "http", status: "200" } },
      { value: 1, labels: { app_id: "om-test-caller", dest_app_id: "callee", method: "echo", type: "http", status: "404" } },
    ]);
    // The same series as a direct update with those labels.
    invokeMetrics.resRecv.inc({ app_id: "om-test-caller", dest_app_id: "callee", method: "echo", type: "http", status: "404" });
    expect((await valuesOf(invokeMetrics.resRecv, "om-test-caller"))[1]!.value).toBe(2);
    const latency = invokeMetrics.latency.series({ app_id: "om-test-caller", dest_app_id: "callee", method: "echo", status: "200" });
    expect(latency.count).toBe(2);
    expect(latency.sum).toBe(10);
  });

  it("keeps counting on held series after a reset", async () => {
    const m = new OutboundMetrics("om-test-reset", "http");
    m.of("callee", "echo").sent.inc();
    invokeMetrics.reqSent.reset();
    expect(await valuesOf(invokeMetrics.reqSent, "om-test-reset")).toEqual([]);
    m.of("callee", "echo").sent.inc();
    expect(await valuesOf(invokeMetrics.reqSent, "om-test-reset")).toEqual([
      { value: 1, labels: { app_id: "om-test-reset", dest_app_id: "callee", method: "echo", type: "http" } },
    ]);
  });
});

describe("InboundMetrics", () => {
  it("counts requests received per method, on the series a direct update uses, also after a reset", async () => {
    const m = new InboundMetrics("im-test-callee");
    m.received("echo");
    m.received("echo");
    m.received("a/b");
    expect(await valuesOf(invokeMetrics.reqRecv, "im-test-callee")).toEqual([
      { value: 2, labels: { app_id: "im-test-callee", method: "echo" } },
      { value: 1, labels: { app_id: "im-test-callee", method: "a/b" } },
    ]);
    invokeMetrics.reqRecv.inc({ app_id: "im-test-callee", method: "echo" });
    expect((await valuesOf(invokeMetrics.reqRecv, "im-test-callee"))[0]!.value).toBe(3);
    invokeMetrics.reqRecv.reset();
    m.received("echo");
    expect(await valuesOf(invokeMetrics.reqRecv, "im-test-callee")).toEqual([{ value: 1, labels: { app_id: "im-test-callee", method: "echo" } }]);
  });
});
