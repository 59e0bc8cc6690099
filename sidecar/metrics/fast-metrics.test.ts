import { Counter, Histogram, Registry } from "./prom.js";
import { describe, expect, it } from "vitest";
import { FastCounter, FastHistogram } from "./fast-metrics.js";

const buckets = [1, 2.5, 10, 100];
const labelNames = ["app_id", "method", "status"];

/** The same metric twice: prom-client's own, and ours, each in its own registry. */
function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const cfg = (registers: Registry[]) => ({ name: "calls_total_ms", help: "Calls \\ help\nline.", labelNames, registers });
  return {
    theirs, ours,
    promCounter: new Counter({ ...cfg([theirs]), name: "calls" }),
    fastCounter: new FastCounter({ ...cfg([ours]), name: "calls" }),
    promHistogram: new Histogram({ ...cfg([theirs]), buckets }),
    fastHistogram: new FastHistogram({ ...cfg([ours]), buckets }),
  };
}

describe("fast metrics", () => {
  it("export exactly what prom-client's Counter and Histogram export for the same updates", async () => {
    const p = pair();
    const updates: [Record<string, string>, number][] = [
      [{ app_id: "a", method: "/x/Get", status: "OK" }, 0.4],
      [{ app_id: "a", method: "/x/Get", status: "OK" }, 2.5],
      [{ status: "NOT_FOUND", app_id: "a", method: "/x/Get" }, 7],
      [{ app_id: "a", method: "/x/Publish", status: "OK" }, 1000],
      [{ app_id: "a", method: "/x/Get", status: "OK" }, 100],
      [{ app_id: "a\"b\\c", method: "/x/Get" }, 3],
    ];
    for (const [labels, v] of updates) {
      p.promCounter.inc(labels);
      p.fastCounter.inc(labels);
      p.promHistogram.observe(labels, v);
      p.fastHistogram.observe(labels, v);
    }
    // A held series counts into the same line as the label object does.
    p.fastHistogram.series({ app_id: "a", method: "/x/Publish", status: "OK" }).observe(1.5);
    p.promHistogram.observe({ app_id: "a", method: "/x/Publish", status: "OK" }, 1.5);
    p.fastCounter.series({ app_id: "a", method: "/x/Publish", status: "OK" }).inc(2);
    p.promCounter.inc({ app_id: "a", method: "/x/Publish", status: "OK" }, 2);

    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
    expect(await p.ours.getMetricsAsJSON()).toEqual(await p.theirs.getMetricsAsJSON());
    expect(await p.ours.metrics()).toContain('calls_total_ms_bucket{le="2.5",app_id="a",method="/x/Get",status="OK"} 2');
  });

  it("lists no series before the first update and none after a reset", async () => {
    const p = pair();
    p.fastHistogram.series({ app_id: "a", method: "m", status: "OK" });
    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
    const s = p.fastHistogram.series({ app_id: "a", method: "m", status: "OK" });
    s.observe(1);
    p.promHistogram.observe({ app_id: "a", method: "m", status: "OK" }, 1);
    p.ours.resetMetrics();
    p.theirs.resetMetrics();
    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
    s.observe(5);
    p.promHistogram.observe({ app_id: "a", method: "m", status: "OK" }, 5);
    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
  });

  it("rejects what prom-client rejects", () => {
    const p = pair();
    expect(() => p.fastCounter.inc({ app_id: "a", nope: "x" })).toThrow(/Added label "nope" is not included/);
    expect(() => p.fastHistogram.observe({ app_id: "a" }, Number.NaN)).toThrow(TypeError);
    expect(() => p.fastCounter.inc({ app_id: "a" }, -1)).toThrow(/decrease/);
    expect(() => new FastHistogram({ name: "bad name", help: "h", labelNames: [], registers: [], buckets })).toThrow(/Invalid metric name/);
    expect(() => new FastHistogram({ name: "h", help: "h", labelNames: ["le"], registers: [], buckets })).toThrow(/reserved/);
    expect(() => new FastCounter({ name: "calls", help: "h", labelNames: [], registers: [p.ours] })).toThrow(/already been registered/);
  });
});
