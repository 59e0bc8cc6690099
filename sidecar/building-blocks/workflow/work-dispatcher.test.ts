import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { WorkDispatcher, type WorkItem } from "./work-dispatcher.js";

/** A stand-in for a GetWorkItems server stream: records what is written to it. */
function fakeCall() {
  const call = Object.assign(new EventEmitter(), { cancelled: false, written: [] as unknown[], write(x: unknown) { call.written.push(x); return true; } });
  return call;
}

const item = (key: string, kind: WorkItem["kind"] = "activity", build: () => unknown = () => ({ key })): WorkItem => ({ kind, key, build });

describe("WorkDispatcher", () => {
  it("never gives a worker more than its in-flight limit, and refills as items complete", () => {
    const d = new WorkDispatcher(2);
    const call = fakeCall();
    d.attach(call as never);
    for (const k of ["a", "b", "c", "d"]) d.submit(item(k));
    expect(call.written).toEqual([{ activityRequest: { key: "a" } }, { activityRequest: { key: "b" } }]);
    expect(d.queued).toBe(2);
    expect(d.complete("a")).toBe(true);
    expect(call.written).toHaveLength(3);
    expect(d.complete("a")).toBe(false);
  });

  it("shares work between workers round-robin", () => {
    const d = new WorkDispatcher(10);
    const [c1, c2] = [fakeCall(), fakeCall()];
    d.attach(c1 as never);
    d.attach(c2 as never);
    for (const k of ["a", "b", "c", "d"]) d.submit(item(k));
    expect(c1.written).toHaveLength(2);
    expect(c2.written).toHaveLength(2);
  });

  it("redelivers the unfinished items of a worker that disconnects, first", () => {
    const d = new WorkDispatcher(1);
    const c1 = fakeCall();
    const s1 = d.attach(c1 as never);
    d.submit(item("a"));
    d.submit(item("b"));
    d.detach(s1);
    expect(d.connectedWorkers).toBe(0);
    const c2 = fakeCall();
    d.attach(c2 as never);
    expect(c2.written).toEqual([{ activityRequest: { key: "a" } }]);
  });

  it("ignores a duplicate submission and skips work that is no longer needed", () => {
    const d = new WorkDispatcher(10);
    const call = fakeCall();
    d.submit(item("a"));
    d.submit(item("a"));
    d.submit(item("gone", "orchestrator", () => undefined));
    d.attach(call as never);
    expect(call.written).toEqual([{ activityRequest: { key: "a" } }]);
    d.submit(item("a"));
    expect(call.written).toHaveLength(1);
  });

  it("withdraws a queued item", () => {
    const d = new WorkDispatcher(10);
    d.submit(item("a"));
    d.cancel("a");
    const call = fakeCall();
    d.attach(call as never);
    expect(call.written).toEqual([]);
  });
});
