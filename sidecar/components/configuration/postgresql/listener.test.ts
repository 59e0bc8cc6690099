// The LISTEN connection survives the server dropping it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../log/logger.js";
import { services, uniqueName } from "../../../../test/support/services.js";
import { sleep } from "../../../../test/support/wait.js";
import { NotifyListener } from "./listener.js";

let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: services.postgres.connectionString });
  await admin.connect();
});
afterAll(() => admin.end());

async function until(pred: () => boolean | Promise<boolean>, ms: number, step?: () => Promise<void>): Promise<void> {
  const end = performance.now() + ms;
  while (!(await pred())) {
    if (performance.now() > end) throw new Error("timed out");
    await step?.();
    await sleep(50);
  }
}

describe("NotifyListener", () => {
  it("reconnects and listens again after its backend is terminated", async () => {
    const channel = uniqueName("ch").replace(/-/g, "_").toLowerCase();
    const got: string[] = [];
    const l = new NotifyListener(services.postgres.connectionString, channel, (p) => got.push(p), silentLogger);
    await l.start();
    try {
      await admin.query(`SELECT pg_notify($1, 'before')`, [channel]);
      await until(() => got.includes("before"), 2000);

      const { rows } = await admin.query(`SELECT pid FROM pg_stat_activity WHERE query = $1`, [`LISTEN ${channel}`]);
      expect(rows).toHaveLength(1);
      await admin.query(`SELECT pg_terminate_backend($1)`, [rows[0].pid]);

      // Keep notifying until the new connection hears it.
      await until(() => got.includes("after"), 5000, async () => { await admin.query(`SELECT pg_notify($1, 'after')`, [channel]); });
      const again = await admin.query(`SELECT pid FROM pg_stat_activity WHERE query = $1`, [`LISTEN ${channel}`]);
      expect(again.rows.map((r) => r.pid)).not.toContain(rows[0].pid);
    } finally {
      await l.stop();
    }
    // Stopped: nothing more arrives.
    const count = got.length;
    await admin.query(`SELECT pg_notify($1, 'late')`, [channel]);
    await sleep(200);
    expect(got).toHaveLength(count);
  });

  it("start rejects when the server is unreachable", async () => {
    const l = new NotifyListener("postgresql://postgres@127.0.0.1:1/test", "x", () => {}, silentLogger);
    await expect(l.start()).rejects.toThrow();
    await l.stop();
  });
});
