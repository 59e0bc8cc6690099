import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeApi, type KubeApi } from "./server.js";
import { eventually, rawClient, type RawClient } from "./test-client.js";

let api: KubeApi;
let c: RawClient;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
  c = rawClient(api);
});
afterAll(async () => {
  await c.close();
  await api.stop();
});

const p = "/apis/coordination.k8s.io/v1/namespaces/default/leases";

describe("restart()", () => {
  it("cuts watches, refuses connections while down, keeps objects, and answers a resourceVersion it has no history for with 410", async () => {
    const created = (await c.call("POST", p, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "kept" }, spec: { holderIdentity: "x" } })).body;
    const w = await c.watch(`${p}?watch=1&resourceVersion=${created.metadata.resourceVersion}`);
    const restarting = api.restart({ downMs: 300 });
    // A change while it is down (through etcd, as it were): the watch above never sees it.
    await api.apply({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "kept", namespace: "default" }, spec: { holderIdentity: "y" } });
    await w.ended;
    await expect(fetch(`${api.url}/version`)).rejects.toThrow();
    await restarting;
    expect((await c.call("GET", `${p}/kept`)).body.spec.holderIdentity).toBe("y");
    const old = await c.watch(`${p}?watch=1&resourceVersion=${created.metadata.resourceVersion}`);
    await eventually(() => old.events.length > 0, 3000, "the 410");
    old.stop();
    expect(old.events[0]).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
    // A fresh list gives a resourceVersion that can be watched from again.
    const rv = (await c.call("GET", p)).body.metadata.resourceVersion;
    const fresh = await c.watch(`${p}?watch=1&resourceVersion=${rv}`);
    await c.call("DELETE", `${p}/kept`);
    await eventually(() => fresh.events.some((e) => e.type === "DELETED"), 3000, "the deletion");
    fresh.stop();
  });
});
