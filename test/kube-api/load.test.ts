// The double under the operator's load pattern: 1,000 custom objects created
// at once, each then given a status, with a watch that must see every event.
// No time limit is asserted (the machine is shared); the time is printed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { widgetCrd } from "./fixtures.js";
import { startKubeApi, type KubeApi } from "./server.js";
import { eventually, rawClient, type RawClient } from "./test-client.js";

let api: KubeApi;
let c: RawClient;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false, namespaces: ["load"] });
  c = rawClient(api, 32);
  await api.create(widgetCrd);
});
afterAll(async () => {
  await c.close();
  await api.stop();
});

describe("load", () => {
  it("takes 1,000 concurrent creates and 1,000 status writes, and a watch sees all 2,000 events in order", { timeout: 120_000 }, async () => {
    const base = "/apis/example.com/v1/namespaces/load/widgets";
    const rv = (await c.call("GET", base)).body.metadata.resourceVersion;
    const w = await c.watch(`${base}?watch=1&resourceVersion=${rv}`);
    const n = 1000;
    const started = process.hrtime.bigint();
    const created = await Promise.all(Array.from({ length: n }, (_, i) =>
      c.call("POST", base, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: `w-${i}` }, spec: { size: 1 + (i % 5), color: "red" } })));
    expect(created.filter((r) => r.status !== 201)).toEqual([]);
    const statuses = await Promise.all(Array.from({ length: n }, (_, i) =>
      c.call("PATCH", `${base}/w-${i}/status`, { status: { observedGeneration: 1, conditions: [{ type: "Ready", status: "True", reason: "Valid" }] } }, "application/merge-patch+json")));
    expect(statuses.filter((r) => r.status !== 200)).toEqual([]);
    await eventually(() => w.events.length >= 2 * n, 60_000, "all watch events");
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    w.stop();
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(new Set(w.events.filter((e) => e.type === "MODIFIED").map((e) => e.object.metadata.name)).size).toBe(n);
    const list = (await c.call("GET", base)).body;
    expect(list.items).toHaveLength(n);
    expect(list.items.every((i: any) => i.status.conditions[0].status === "True")).toBe(true);
    console.log(`kube-api double: ${2 * n} writes + watch in ${ms.toFixed(0)} ms; rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
  });
});
