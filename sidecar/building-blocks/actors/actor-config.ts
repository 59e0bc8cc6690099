// The app's actor configuration, read from `GET /dapr/config` (daprd's
// `pkg/config/app_configuration.go`): which types it hosts and how they behave.
// Per-type overrides come from `entitiesConfig`; absent fields keep defaults.
import { parseGoDuration } from "../../util/duration.js";

export interface TypeConfig {
  idleTimeoutMs: number;
  drainOngoingCallTimeoutMs: number;
  drainRebalancedActors: boolean;
  reentrancy: { enabled: boolean; maxStackDepth: number };
}

export interface ActorConfig {
  entities: string[];
  defaults: TypeConfig;
  perType: Map<string, TypeConfig>;
}

/** daprd's defaults: 60 minutes idle, 60 s drain, drain on rebalance, reentrancy off with depth 32. */
export const defaultTypeConfig: TypeConfig = {
  idleTimeoutMs: 60 * 60_000,
  drainOngoingCallTimeoutMs: 60_000,
  drainRebalancedActors: true,
  reentrancy: { enabled: false, maxStackDepth: 32 },
};

type Raw = Record<string, unknown>;

function duration(v: unknown, field: string, dflt: number, warn: (w: string) => void): number {
  if (v === undefined || v === null || v === "") return dflt;
  try {
    const ms = parseGoDuration(String(v));
    if (ms <= 0) throw new Error("must be positive");
    return ms;
  } catch (err) {
    warn(`${field}: ${(err as Error).message}; using the default`);
    return dflt;
  }
}

function overlay(base: TypeConfig, raw: Raw, warn: (w: string) => void): TypeConfig {
  const re = (raw["reentrancy"] ?? {}) as Raw;
  const depth = Number(re["maxStackDepth"]);
  return {
    idleTimeoutMs: duration(raw["actorIdleTimeout"], "actorIdleTimeout", base.idleTimeoutMs, warn),
    drainOngoingCallTimeoutMs: duration(raw["drainOngoingCallTimeout"], "drainOngoingCallTimeout", base.drainOngoingCallTimeoutMs, warn),
    drainRebalancedActors: typeof raw["drainRebalancedActors"] === "boolean" ? (raw["drainRebalancedActors"] as boolean) : base.drainRebalancedActors,
    reentrancy: {
      enabled: typeof re["enabled"] === "boolean" ? (re["enabled"] as boolean) : base.reentrancy.enabled,
      maxStackDepth: Number.isInteger(depth) && depth > 0 ? depth : base.reentrancy.maxStackDepth,
    },
  };
}

/** Reads the app's answer; malformed fields are reported through `warn` and fall back to defaults. */
export function parseActorConfig(body: unknown, warn: (w: string) => void = () => {}): ActorConfig {
  const raw = (body && typeof body === "object" ? body : {}) as Raw;
  const entities = Array.isArray(raw["entities"]) ? raw["entities"].filter((e): e is string => typeof e === "string" && e !== "") : [];
  const defaults = overlay(defaultTypeConfig, raw, warn);
  const perType = new Map<string, TypeConfig>();
  const entitiesConfig = Array.isArray(raw["entitiesConfig"]) ? (raw["entitiesConfig"] as Raw[]) : [];
  for (const ec of entitiesConfig) {
    const types = Array.isArray(ec?.["entities"]) ? (ec["entities"] as unknown[]).filter((e): e is string => typeof e === "string") : [];
    const cfg = overlay(defaults, ec ?? {}, warn);
    for (const t of types) perType.set(t, cfg);
  }
  return { entities: [...new Set(entities)], defaults, perType };
}

export function configFor(cfg: ActorConfig, type: string): TypeConfig {
  return cfg.perType.get(type) ?? cfg.defaults;
}
