import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeApi, type KubeApi } from "./server.js";
import { eventually, rawClient, type RawClient } from "./test-client.js";

let api: KubeApi;
let c: RawClient;
beforeAll(async () => {
  // A tiny history, so "too old" is easy to reach; fast bookmarks.
  api = await startKubeApi({ controllers: false, historySize: 20, bookmarkIntervalMs: 100 });
  c = rawClient(api);
  await c.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w1" } });
});
afterAll(async () => {
  await c.close();
  await api.stop();
});

const p = "/api/v1/namespaces/w1/configmaps";
const cm = (name: string, v = "1") => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v } });

describe("watch", () => {
  it("resumes from a list's resourceVersion: ADDED, MODIFIED, DELETED with their resourceVersions", async () => {
    await c.call("POST", p, cm("before"));
    const list = (await c.call("GET", p)).body;
    const w = await c.watch(`${p}?watch=1&resourceVersion=${list.metadata.resourceVersion}`);
    const created = (await c.call("POST", p, cm("w-a"))).body;
    const updated = (await c.call("PUT", `${p}/w-a`, { ...created, data: { v: "2" } })).body;
    await c.call("DELETE", `${p}/w-a`);
    await eventually(() => w.events.length >= 3, 3000, "three events");
    w.stop();
    expect(w.events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    expect(w.events[0].object.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(w.events[1].object.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
    // The DELETED event carries the deletion's own, newer resourceVersion.
    expect(Number(w.events[2].object.metadata.resourceVersion)).toBeGreaterThan(Number(updated.metadata.resourceVersion));
    expect(w.events[0].object).toMatchObject({ apiVersion: "v1", kind: "ConfigMap" });
  });

  it("replays events that happened between the list and the watch", async () => {
    const rv = (await c.call("GET", p)).body.metadata.resourceVersion;
    await c.call("POST", p, cm("missed-1"));
    await c.call("POST", p, cm("missed-2"));
    const w = await c.watch(`${p}?watch=true&resourceVersion=${rv}`);
    await eventually(() => w.events.length >= 2, 3000, "replayed events");
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED missed-1", "ADDED missed-2"]);
  });

  it("starts with synthetic ADDED events for existing objects when no resourceVersion is given", async () => {
    await c.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "w-init" } });
    await c.call("POST", "/api/v1/namespaces/w-init/configmaps", cm("x1"));
    await c.call("POST", "/api/v1/namespaces/w-init/configmaps", cm("x2"));
    const w = await c.watch("/api/v1/namespaces/w-init/configmaps?watch=1");
    await eventually(() => w.events.length >= 2, 3000, "initial events");
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED x1", "ADDED x2"]);
  });

  it("filters watch events by label selector and namespace", async () => {
    const rv = (await c.call("GET", p)).body.metadata.resourceVersion;
    const w = await c.watch(`${p}?watch=1&resourceVersion=${rv}&labelSelector=pick%3Dyes`);
    await c.call("POST", p, { ...cm("lab-no"), metadata: { name: "lab-no", labels: { pick: "no" } } });
    await c.call("POST", "/api/v1/namespaces/default/configmaps", { ...cm("lab-other-ns"), metadata: { name: "lab-other-ns", labels: { pick: "yes" } } });
    await c.call("POST", p, { ...cm("lab-yes"), metadata: { name: "lab-yes", labels: { pick: "yes" } } });
    await eventually(() => w.events.length >= 1, 3000, "the matching event");
    await new Promise((r) => setTimeout(r, 50));
    w.stop();
    expect(w.events.map((e) => e.object.metadata.name)).toEqual(["lab-yes"]);
  });

  it("sends BOOKMARK events with the current resourceVersion when asked", async () => {
    const rv = (await c.call("GET", p)).body.metadata.resourceVersion;
    const w = await c.watch(`${p}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    await eventually(() => w.events.some((e) => e.type === "BOOKMARK"), 3000, "a bookmark");
    w.stop();
    const b = w.events.find((e) => e.type === "BOOKMARK");
    expect(b.object).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });
    expect(Number(b.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
    const plain = await c.watch(`${p}?watch=1&resourceVersion=${rv}`);
    await new Promise((r) => setTimeout(r, 300));
    plain.stop();
    expect(plain.events.filter((e) => e.type === "BOOKMARK")).toEqual([]);
  });

  it("answers a resourceVersion older than the history with an ERROR 410 event and ends the stream", async () => {
    const old = (await c.call("GET", p)).body.metadata.resourceVersion;
    for (let i = 0; i < 25; i++) await c.call("POST", p, cm(`churn-${i}`));
    const w = await c.watch(`${p}?watch=1&resourceVersion=${old}`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0].type).toBe("ERROR");
    expect(w.events[0].object).toMatchObject({ kind: "Status", code: 410, reason: "Expired", status: "Failure" });
    expect(w.events[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it("ends the stream after timeoutSeconds, leaving watches without a timeout open", async () => {
    const untimed = await c.watch(`${p}?watch=1`);
    const timed = await c.watch(`${p}?watch=1&timeoutSeconds=1`);
    let untimedEnded = false;
    void untimed.ended.then(() => { untimedEnded = true; });
    await timed.ended;
    expect(untimedEnded).toBe(false);
    untimed.stop();
  });

  it("wraps each event in a one-row Table when asked for Tables (kubectl get -w)", async () => {
    const { request, Agent } = await import("undici");
    const dispatcher = new Agent({ connect: { ca: api.caPem } });
    const rv = (await c.call("GET", p)).body.metadata.resourceVersion;
    const res = await request(`${api.url}${p}?watch=1&resourceVersion=${rv}`, {
      dispatcher,
      headers: { authorization: `Bearer ${api.token}`, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
    });
    await c.call("POST", p, cm("tabled"));
    let text = "";
    for await (const chunk of res.body) {
      text += chunk.toString();
      if (text.includes("\n")) break;
    }
    await dispatcher.destroy();
    const event = JSON.parse(text.split("\n")[0]!);
    expect(event.type).toBe("ADDED");
    expect(event.object).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1" });
    expect(event.object.rows[0].cells[0]).toBe("tabled");
  });

  it("dropWatches cuts every open watch, and the server keeps serving", async () => {
    const a = await c.watch(`${p}?watch=1`);
    const b = await c.watch("/apis/apps/v1/deployments?watch=1");
    await eventually(() => api.openWatches() >= 2, 3000, "two open watches");
    expect(api.dropWatches()).toBeGreaterThanOrEqual(2);
    await Promise.all([a.ended, b.ended]);
    expect(api.openWatches()).toBe(0);
    const after = await c.watch(`${p}?watch=1&resourceVersion=${(await c.call("GET", p)).body.metadata.resourceVersion}`);
    await c.call("POST", p, cm("after-drop"));
    await eventually(() => after.events.length >= 1, 3000, "an event after the drop");
    after.stop();
    expect(after.events[0].object.metadata.name).toBe("after-drop");
  });
});
