import { describe, expect, it } from "vitest";
import { configFor, defaultTypeConfig, parseActorConfig } from "./actor-config.js";

describe("parseActorConfig", () => {
  it("reads entities, timeouts, reentrancy and per-type overrides", () => {
    const cfg = parseActorConfig({
      entities: ["A", "B", "A", 7],
      actorIdleTimeout: "30s",
      drainOngoingCallTimeout: "2s",
      drainRebalancedActors: false,
      reentrancy: { enabled: true, maxStackDepth: 5 },
      entitiesConfig: [{ entities: ["B"], actorIdleTimeout: "1m", reentrancy: { enabled: false } }],
    });
    expect(cfg.entities).toEqual(["A", "B"]);
    expect(configFor(cfg, "A")).toEqual({ idleTimeoutMs: 30_000, drainOngoingCallTimeoutMs: 2000, drainRebalancedActors: false, reentrancy: { enabled: true, maxStackDepth: 5 } });
    expect(configFor(cfg, "B")).toEqual({ idleTimeoutMs: 60_000, drainOngoingCallTimeoutMs: 2000, drainRebalancedActors: false, reentrancy: { enabled: false, maxStackDepth: 5 } });
  });

  it("keeps daprd's defaults for an empty or foreign answer", () => {
    for (const body of [undefined, null, "text", [], {}]) {
      const cfg = parseActorConfig(body);
      expect(cfg.entities).toEqual([]);
      expect(cfg.defaults).toEqual(defaultTypeConfig);
    }
  });

  it("reports a malformed duration and falls back to the default", () => {
    const warnings: string[] = [];
    const cfg = parseActorConfig({ entities: ["A"], actorIdleTimeout: "soon", drainOngoingCallTimeout: "-1s" }, (w) => warnings.push(w));
    expect(cfg.defaults.idleTimeoutMs).toBe(defaultTypeConfig.idleTimeoutMs);
    expect(cfg.defaults.drainOngoingCallTimeoutMs).toBe(defaultTypeConfig.drainOngoingCallTimeoutMs);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("actorIdleTimeout");
  });
});
