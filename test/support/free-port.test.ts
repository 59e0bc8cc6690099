// freePort hands out ports the kernel does not assign by itself (below the ephemeral
// range), one worker's block apart from another's, each free when handed out.
import { readFileSync } from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "./services.js";

const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

describe("freePort", () => {
  it("hands out distinct ports below the kernel's ephemeral range, each one free", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const p of ports) expect(p).toBeLessThan(ephemeralLow);
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(ports[0], "0.0.0.0", r));
    srv.close();
  });

  it("skips a port something listens on", async () => {
    const first = await freePort();
    // Occupy the ports that come next in this worker's round, then ask again.
    const held: net.Server[] = [];
    for (let p = first + 1; p <= first + 3; p++) {
      const s = net.createServer();
      await new Promise<void>((r, j) => s.once("error", j).listen(p, "127.0.0.1", r)).catch(() => undefined);
      held.push(s);
    }
    try {
      const next = await freePort();
      expect([first + 1, first + 2, first + 3]).not.toContain(next);
    } finally {
      for (const s of held) s.close();
    }
  });
});
