import type { V1Lease } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ANNOTATIONS, appendEvents, claimLeaseName, EVENTS_KEPT, eventsOf, hostOf, LeaseObservations, memberLeaseName } from "./kubernetes-lease-view.js";

function lease(name: string, holder: string, renewTime: string, durationSeconds = 10): V1Lease {
  return {
    metadata: { name, annotations: { [ANNOTATIONS.appId]: "app", [ANNOTATIONS.address]: "10.0.0.1:50002", [ANNOTATIONS.entities]: '["T"]' } },
    spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime: renewTime as never },
  };
}

describe("LeaseObservations", () => {
  it("judges expiry by when this host saw the record change, not by the holder's renewTime", () => {
    let now = 0;
    const obs = new LeaseObservations(() => now);
    // A renewTime a year in the past (a holder with a skewed clock): alive, because we just saw it.
    expect(obs.observe(lease("a", "h1", "2020-01-01T00:00:00.000000Z"))).toBe(true);
    now = 9_999;
    expect(obs.alive("a")).toBe(true);
    now = 10_000;
    expect(obs.alive("a")).toBe(false);
  });

  it("extends life only when the record changes", () => {
    let now = 0;
    const obs = new LeaseObservations(() => now);
    obs.observe(lease("a", "h1", "2030-01-01T00:00:00.000000Z"));
    now = 6_000;
    expect(obs.observe(lease("a", "h1", "2030-01-01T00:00:00.000000Z"))).toBe(false); // same record, seen again
    now = 10_500;
    expect(obs.alive("a")).toBe(false);
    expect(obs.expiredForMs("a")).toBe(500);
    expect(obs.observe(lease("a", "h1", "2030-01-01T00:00:01.000000Z"))).toBe(true); // renewed
    now = 20_000;
    expect(obs.alive("a")).toBe(true);
    // A new holder (a restarted pod) is a change too.
    now = 25_000;
    expect(obs.observe(lease("a", "h2", "2030-01-01T00:00:01.000000Z"))).toBe(true);
    expect(obs.get("a")?.seenAt).toBe(25_000);
  });

  it("treats released or durationless Leases as dead, and forgets deleted ones", () => {
    const obs = new LeaseObservations(() => 0);
    obs.observe(lease("free", "", "2030-01-01T00:00:00Z"));
    obs.observe(lease("nodur", "h", "2030-01-01T00:00:00Z", 0));
    obs.observe(lease("ok", "h", "2030-01-01T00:00:00Z"));
    expect(["free", "nodur", "ok"].map((n) => obs.alive(n))).toEqual([false, false, true]);
    obs.forget("ok");
    expect(obs.alive("ok")).toBe(false);
    expect(obs.all().map((o) => o.name)).toEqual(["free", "nodur"]);
  });
});

describe("Lease contents", () => {
  it("reads the member a Lease announces, tolerating a hand-edited entity list", () => {
    expect(hostOf(lease("a", "app/1", "2030-01-01T00:00:00Z"))).toEqual({ id: "app/1", appId: "app", address: "10.0.0.1:50002", entities: ["T"] });
    const broken = lease("a", "app/1", "2030-01-01T00:00:00Z");
    broken.metadata!.annotations![ANNOTATIONS.entities] = "not json";
    expect(hostOf(broken)?.entities).toEqual([]);
    const noAddress = lease("a", "app/1", "2030-01-01T00:00:00Z");
    delete noAddress.metadata!.annotations![ANNOTATIONS.address];
    expect(hostOf(noAddress)).toBeUndefined();
  });

  it("numbers broadcasts and keeps the latest few", () => {
    let events = appendEvents([], ["x", "y"]);
    expect(events).toEqual([[1, "x"], [2, "y"]]);
    for (let i = 0; i < 40; i++) events = appendEvents(events, [`t${i}`]);
    expect(events).toHaveLength(EVENTS_KEPT);
    expect(events[events.length - 1]).toEqual([42, "t39"]);
    const l = lease("a", "h", "2030-01-01T00:00:00Z");
    l.metadata!.annotations![ANNOTATIONS.events] = JSON.stringify(events);
    expect(eventsOf(l)).toEqual(events);
    l.metadata!.annotations![ANNOTATIONS.events] = "{";
    expect(eventsOf(l)).toEqual([]);
  });

  it("names Leases validly: after the pod, unique per process without one, hashed for claims", () => {
    const dns = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
    expect(memberLeaseName("orders-7d9f-x2", "ignored", "orders/1")).toBe("dapr-ts-actors-orders-7d9f-x2");
    const a = memberLeaseName(undefined, "My_Laptop.local", "app/1");
    const b = memberLeaseName(undefined, "My_Laptop.local", "app/2");
    expect(a).not.toBe(b);
    expect(a).toMatch(dns);
    const long = memberLeaseName("p".repeat(250), "h", "x");
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(dns);
    expect(claimLeaseName("T||id with spaces/and|pipes")).toMatch(dns);
    expect(claimLeaseName("T||1")).not.toBe(claimLeaseName("T||2"));
  });
});
