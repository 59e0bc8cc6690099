// Leader election against the API double: a Lease held by a live holder is
// respected, a stale one is taken over after leaseDuration, and of two
// candidates racing for a free Lease exactly one wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../sidecar/log/logger.js";
import { startKubeApi, type KubeApi } from "../test/kube-api/server.js";
import { eventually } from "../test/kube-api/test-client.js";
import { LeaderElector } from "./leader-election.js";

let api: KubeApi;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false, namespaces: ["le"] });
});
afterAll(async () => {
  await api.stop();
});

function elector(name: string, identity: string, events: string[]) {
  return new LeaderElector({
    kc: api.kubeConfig(), namespace: "le", name, identity,
    leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100, logger: silentLogger,
    onStartedLeading: () => events.push(`${identity} leads`),
    onStoppedLeading: () => void events.push(`${identity} stops`),
  });
}

describe("LeaderElector", () => {
  it("waits while a crashed holder's Lease is fresh, then takes it over", async () => {
    // A holder that will never renew (a crashed replica): its Lease is fresh right now.
    await api.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "stale", namespace: "le" }, spec: { holderIdentity: "ghost", leaseDurationSeconds: 1, renewTime: new Date().toISOString().replace("Z", "000Z"), leaseTransitions: 0 } });
    const events: string[] = [];
    const e = elector("stale", "alive", events);
    const started = Date.now();
    e.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(e.isLeader).toBe(false);
    await eventually(() => e.isLeader, 5000, "takeover of the stale lease");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // not before the lease ran out
    const lease = api.get("coordination.k8s.io/v1", "Lease", "stale", "le")!.spec as { holderIdentity: string; leaseTransitions: number };
    expect(lease).toMatchObject({ holderIdentity: "alive", leaseTransitions: 1 });
    await e.stop();
    expect(events).toEqual(["alive leads", "alive stops"]);
    expect((api.get("coordination.k8s.io/v1", "Lease", "stale", "le")!.spec as { holderIdentity: string }).holderIdentity).toBe(""); // released
  });

  it("lets exactly one of two racing candidates lead, and the other take over after a clean stop", async () => {
    const events: string[] = [];
    const a = elector("race", "a", events);
    const b = elector("race", "b", events);
    a.start();
    b.start();
    await eventually(() => a.isLeader || b.isLeader, 5000, "a leader");
    await new Promise((r) => setTimeout(r, 500));
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.isLeader ? [a, b] : [b, a];
    await leader.stop();
    await eventually(() => follower.isLeader, 3000, "the follower taking over");
    await follower.stop();
    expect(events.filter((e) => e.endsWith("leads"))).toHaveLength(2);
  });

  it("steps down when it cannot renew before the deadline (API server gone)", async () => {
    const own = await startKubeApi({ controllers: false, namespaces: ["le"] });
    const events: string[] = [];
    const e = new LeaderElector({
      kc: own.kubeConfig(), namespace: "le", name: "doomed", identity: "solo",
      leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100, logger: silentLogger,
      onStartedLeading: () => events.push("leads"),
      onStoppedLeading: () => void events.push("stops"),
    });
    e.start();
    await eventually(() => e.isLeader, 5000, "leading");
    await own.stop();
    // It must stop writing before another replica may take the Lease (leaseDuration after the last renewal).
    await eventually(() => !e.isLeader, 3000, "stepping down");
    expect(events).toEqual(["leads", "stops"]);
    await e.stop();
  });
});
