// The Kubernetes placement backend against the API server double: members see
// each other, a clean stop is seen at once, a killed host drops out after its
// lease duration (and its claims become free), a restarted API server (410
// Gone) is recovered by listing again, and the ring moves every actor to the
// remaining host when one leaves.
import type { V1Lease } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../log/logger.js";
import { startKubeApi, type KubeApi } from "../../../../test/kube-api/server.js";
import { eventually } from "../../../../test/kube-api/test-client.js";
import { KubernetesMembership, type KubernetesMembershipOptions } from "./kubernetes-membership.js";
import { ANNOTATIONS, MEMBER_LABEL } from "./kubernetes-lease-view.js";
import { PlacementTable } from "./placement-table.js";
import type { HostInfo } from "./membership.js";

const LEASE = "coordination.k8s.io/v1";
let api: KubeApi;
let nsCount = 0;
const open: KubernetesMembership[] = [];

beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
});

// Members of a finished test stop, so they do not load the machine for the next ones.
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((m) => m.close()));
});

afterAll(async () => {
  await api?.stop();
});

async function namespace(): Promise<string> {
  const ns = `placement-${++nsCount}`;
  await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  return ns;
}

function member(ns: string, podName: string, o: Partial<KubernetesMembershipOptions> & { on?: KubeApi } = {}): KubernetesMembership {
  const m = new KubernetesMembership({
    kubeConfig: (o.on ?? api).kubeConfig(), namespace: ns, logger: silentLogger, podName,
    leaseDurationSeconds: 2, renewMs: 250, ...o,
  });
  open.push(m);
  return m;
}

function host(id: string, entities = ["T"]): HostInfo {
  return { id, appId: "app", address: `10.0.0.${id.length}:50002`, entities };
}

const ids = (m: KubernetesMembership) => m.hosts().map((h) => h.id).sort();

/** What a SIGKILL does to a host: no more renewals, no watch, no goodbye. */
async function kill(m: KubernetesMembership): Promise<void> {
  const internals = m as unknown as { timer?: NodeJS.Timeout; watch: { stop(): Promise<void> }; self?: HostInfo };
  clearInterval(internals.timer);
  internals.timer = undefined;
  internals.self = undefined; // a write still in flight must not be followed by another
  await internals.watch.stop();
  open.splice(open.indexOf(m), 1);
  (m as unknown as { api: { close(): void } }).api.close();
}

describe("KubernetesMembership", () => {
  it("publishes each hosting sidecar as a labelled Lease that every member sees and renews", async () => {
    const ns = await namespace();
    const a = member(ns, "pod-a");
    const b = member(ns, "pod-b");
    await a.join(host("app/a"));
    await b.join(host("app/b", ["T", "U"]));
    await eventually(() => ids(a).length === 2 && ids(b).length === 2, 3000, "both members");
    expect(ids(a)).toEqual(["app/a", "app/b"]);
    expect(a.hosts().find((h) => h.id === "app/b")).toEqual(host("app/b", ["T", "U"]));
    expect(a.healthy() && b.healthy()).toBe(true);

    const lease = api.get(LEASE, "Lease", "dapr-ts-actors-pod-b", ns) as V1Lease;
    expect(lease.metadata?.labels?.[MEMBER_LABEL]).toBe("true");
    expect(lease.spec).toMatchObject({ holderIdentity: "app/b", leaseDurationSeconds: 2 });
    expect(lease.metadata?.annotations).toMatchObject({ [ANNOTATIONS.appId]: "app", [ANNOTATIONS.address]: "10.0.0.5:50002", [ANNOTATIONS.entities]: '["T","U"]' });
    const firstRenew = String(lease.spec?.renewTime);
    await eventually(() => String((api.get(LEASE, "Lease", "dapr-ts-actors-pod-b", ns) as V1Lease).spec?.renewTime) !== firstRenew, 2000, "a renewal");

    // Same ring everywhere.
    const ta = new PlacementTable(a.version(), a.hosts());
    const tb = new PlacementTable(b.version(), b.hosts());
    for (let i = 0; i < 100; i++) expect(ta.lookup("T", `id-${i}`)?.id).toBe(tb.lookup("T", `id-${i}`)?.id);
    expect(ta.lookup("U", "x")?.id).toBe("app/b");
  });

  it("sees a cleanly stopped host leave at once, and a killed one only after its lease duration", async () => {
    const ns = await namespace();
    const a = member(ns, "pod-a");
    const b = member(ns, "pod-b");
    const c = member(ns, "pod-c");
    await a.join(host("app/a"));
    await b.join(host("app/b"));
    await c.join(host("app/c"));
    await eventually(() => ids(a).length === 3, 3000, "three members");

    const stopped = Date.now();
    await b.close();
    await eventually(() => !ids(a).includes("app/b"), 1000, "b gone");
    expect(Date.now() - stopped).toBeLessThan(1000); // far below the 2 s lease duration
    expect(api.get(LEASE, "Lease", "dapr-ts-actors-pod-b", ns)).toBeUndefined();

    expect(await c.claim("T||held")).toBeUndefined();
    await kill(c);
    const killed = Date.now();
    expect(await a.claim("T||held")).toBe("app/c"); // c may still be running it
    await new Promise((r) => setTimeout(r, 1000));
    expect(ids(a)).toContain("app/c");
    await eventually(() => !ids(a).includes("app/c"), 4000, "c expired");
    // c's last renewal was at most one period (250 ms) before the kill.
    expect(Date.now() - killed).toBeGreaterThanOrEqual(1700);
    expect(await a.claim("T||held")).toBeUndefined();
    // Long expired: a live member deletes the leftover Lease.
    await eventually(() => api.get(LEASE, "Lease", "dapr-ts-actors-pod-c", ns) === undefined, 8000, "c's lease reaped");
  }, 20_000);

  it("gives an activation claim to exactly one host, until it is released", async () => {
    const ns = await namespace();
    const a = member(ns, "pod-a");
    const b = member(ns, "pod-b");
    await a.join(host("app/a"));
    await b.join(host("app/b"));
    expect(await a.claim("T||1")).toBeUndefined();
    expect(await a.claim("T||1")).toBeUndefined(); // ours already
    expect(await b.claim("T||1")).toBe("app/a");
    await b.release("T||1"); // not b's: nothing happens
    expect(await b.claim("T||1")).toBe("app/a");
    await a.release("T||1");
    expect(await b.claim("T||1")).toBeUndefined();

    // Racing for the same fresh actors: one winner each.
    const keys = Array.from({ length: 20 }, (_, i) => `T||race-${i}`);
    const results = await Promise.all(keys.map((k) => Promise.all([a.claim(k), b.claim(k)])));
    for (const [ra, rb] of results) expect([ra, rb].filter((r) => r === undefined)).toHaveLength(1);

    // A host that hosts nothing holds no Lease and cannot claim.
    const c = member(ns, "pod-c");
    await c.join(host("app/c", []));
    expect(api.get(LEASE, "Lease", "dapr-ts-actors-pod-c", ns)).toBeUndefined();
    expect(ids(c)).toEqual(["app/a", "app/b", "app/c"]);
    await expect(c.claim("T||1")).rejects.toThrow(/not a placement member/);
  });

  it("lets a restarted sidecar of the same pod take its Lease over, freeing its predecessor's claims at once", async () => {
    const ns = await namespace();
    const a = member(ns, "pod-a");
    const old = member(ns, "pod-x");
    await a.join(host("app/a"));
    await old.join(host("app/old"));
    expect(await old.claim("T||x")).toBeUndefined();
    await kill(old);
    const fresh = member(ns, "pod-x");
    await fresh.join(host("app/new"));
    expect((api.get(LEASE, "Lease", "dapr-ts-actors-pod-x", ns) as V1Lease).spec).toMatchObject({ holderIdentity: "app/new", leaseTransitions: 1 });
    expect(await a.claim("T||x")).toBeUndefined(); // no wait for the old lease to run out
    await eventually(() => ids(a).join() === "app/a,app/new", 2000, "the new process as member");
  });

  it("delivers broadcasts to every member, each once, in order", async () => {
    const ns = await namespace();
    const a = member(ns, "pod-a");
    const b = member(ns, "pod-b");
    const got: Record<string, string[]> = { a: [], b: [] };
    a.onBroadcast((t) => got.a!.push(t));
    b.onBroadcast((t) => got.b!.push(t));
    await a.join(host("app/a"));
    await b.join(host("app/b"));
    await eventually(() => ids(b).length === 2, 3000, "both members");
    await Promise.all(["r1", "r2", "r3", "r4", "r5"].map((t) => a.broadcast(t)));
    await eventually(() => got.b!.length >= 5, 3000, "broadcasts on b");
    await new Promise((r) => setTimeout(r, 600)); // a few renewals later: nothing delivered twice
    expect(got.b).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    expect(got.a).toEqual(["r1", "r2", "r3", "r4", "r5"]);
  });

  it("spreads 1,000 actor ids over both hosts and sends all of them to the other when one leaves", async () => {
    const ns = await namespace();
    const a = member(ns, "pod-a");
    const b = member(ns, "pod-b");
    let changes = 0;
    a.onChange(() => changes++);
    await a.join(host("app/a"));
    await b.join(host("app/b"));
    await eventually(() => ids(a).length === 2 && ids(b).length === 2, 3000, "both members");
    const owners = (m: KubernetesMembership) => {
      const t = new PlacementTable(m.version(), m.hosts());
      const count = new Map<string, number>();
      for (let i = 0; i < 1000; i++) {
        const owner = t.lookup("T", `actor-${i}`)!.id;
        count.set(owner, (count.get(owner) ?? 0) + 1);
      }
      return count;
    };
    const before = owners(a);
    expect(before.get("app/a")).toBeGreaterThan(300);
    expect(before.get("app/b")).toBeGreaterThan(300);
    expect(owners(b)).toEqual(before);
    const changesBefore = changes;
    await b.close();
    await eventually(() => ids(a).length === 1, 1000, "b gone");
    expect(changes).toBeGreaterThan(changesBefore);
    expect(owners(a)).toEqual(new Map([["app/a", 1000]]));
  });
});

describe("KubernetesMembership across an API server restart", () => {
  it("lists again after 410 Gone, catching a deletion it never saw as an event, and keeps watching", async () => {
    const ns = await namespace();
    const a = member(ns, "pod-a");
    const b = member(ns, "pod-b");
    let fenced = 0;
    a.onFenced(() => fenced++);
    b.onFenced(() => fenced++);
    await a.join(host("app/a"));
    await b.join(host("app/b"));
    const ghost = (name: string, id: string): V1Lease => ({
      apiVersion: LEASE, kind: "Lease",
      metadata: { name, namespace: ns, labels: { [MEMBER_LABEL]: "true" }, annotations: { [ANNOTATIONS.appId]: "other", [ANNOTATIONS.address]: "10.9.9.9:50002", [ANNOTATIONS.entities]: '["T"]' } },
      spec: { holderIdentity: id, leaseDurationSeconds: 60, renewTime: new Date().toISOString() as never },
    });
    await api.create(ghost("dapr-ts-actors-ghost", "other/ghost") as never);
    await eventually(() => ids(a).length === 3 && ids(b).length === 3, 3000, "the ghost as member");

    // Down for 400 ms (less than the time to fence); meanwhile the ghost's Lease is deleted.
    const restarting = api.restart({ downMs: 400 });
    await api.delete(LEASE, "Lease", "dapr-ts-actors-ghost", ns);
    await restarting;

    await eventually(() => ids(a).length === 2 && ids(b).length === 2, 5000, "the ghost gone after relisting");
    expect(ids(a)).toEqual(["app/a", "app/b"]);
    expect(a.relists).toBeGreaterThanOrEqual(1);
    expect(b.relists).toBeGreaterThanOrEqual(1);
    expect(fenced).toBe(0);
    expect(a.healthy() && b.healthy()).toBe(true);

    // The watch runs again: a new member shows up through it.
    await api.create(ghost("dapr-ts-actors-ghost2", "other/ghost2") as never);
    await eventually(() => ids(a).includes("other/ghost2") && ids(b).includes("other/ghost2"), 3000, "ghost2 seen");
  });

  it("fences a host that cannot renew, and lets it rejoin once the API server is back", async () => {
    const own = await startKubeApi({ controllers: false });
    try {
      const m = member("default", "pod-solo", { on: own });
      let fenced = 0;
      m.onFenced(() => fenced++);
      await m.join(host("app/solo"));
      expect(m.healthy()).toBe(true);
      // Fencing comes after lease duration minus two renewals (2000 - 500 ms): keep it down longer.
      const restarting = own.restart({ downMs: 2500 });
      await eventually(() => fenced > 0, 4000, "fenced");
      expect(m.healthy()).toBe(false);
      await restarting;
      await eventually(() => m.healthy(), 4000, "healthy again");
      expect(fenced).toBe(1);
      await m.close();
    } finally {
      await own.stop();
    }
  }, 15_000);
});
