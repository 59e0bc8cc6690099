import { describe, expect, it } from "vitest";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import { CronBinding } from "./index.js";

function ctx(schedule: string) {
  return componentContext({ name: "tick", type: "bindings.cron", properties: { schedule }, appId: "app" });
}

describe("bindings.cron", () => {
  it("fires @every 1s on whole seconds, each within 100 ms of its planned time", async () => {
    const b = new CronBinding(ctx("@every 1s"));
    await b.init();
    const firedAt: number[] = [];
    const metas: Record<string, string>[] = [];
    await b.read(async (ev) => { firedAt.push(Date.now()); metas.push(ev.metadata); });
    try {
      await waitFor(() => firedAt.length >= 3, 10_000, "three firings");
    } finally {
      await b.close();
    }
    // Planned times are whole seconds, so the lateness is the part past the second.
    const lateness = firedAt.map((t) => t % 1000);
    expect(Math.max(...lateness)).toBeLessThanOrEqual(100);
    // One firing per planned second: consecutive firings one period apart (as a ratio of the period).
    for (let i = 1; i < firedAt.length; i++) expect(Math.round((firedAt[i] - firedAt[i - 1]) / 1000)).toBe(1);
    expect(metas[0]).toMatchObject({ timeZone: "Local" });
    expect(metas[0].readTimeUTC).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? \+0000 UTC$/);
  });

  it("stops firing after close, and refuses to read once closed", async () => {
    const b = new CronBinding(ctx("* * * * * *"));
    await b.init();
    let count = 0;
    await b.read(async () => { count++; });
    await b.close();
    const before = count;
    await sleep(1200);
    expect(count).toBe(before);
    await expect(b.read(async () => {})).rejects.toThrow(/closed/);
  });

  it("keeps firing when the handler fails", async () => {
    const b = new CronBinding(ctx("@every 1s"));
    await b.init();
    let calls = 0;
    await b.read(async () => { calls++; throw new Error("app down"); });
    try {
      await waitFor(() => calls >= 2, 10_000, "two firings");
    } finally {
      await b.close();
    }
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
