// Dapr's state key layout: `<prefix>||<key>`, where the prefix is chosen by the
// component's `keyPrefix` metadata. Matching it exactly is what lets data
// written by Dapr be read here, and the other way round.
import { prop, type Properties } from "../../components/component.js";
import { Errors } from "../../errors/catalog.js";

const SEPARATOR = "||";

export interface KeyPrefixer {
  /** The stored key for a user's key; throws ERR_MALFORMED_REQUEST on `||`. */
  toStored(key: string): string;
  /** The user's key back from a stored key. */
  toUser(stored: string): string;
  /** The prefix including the separator ("" when keys are stored as is). */
  readonly prefix: string;
}

export function keyPrefixer(properties: Properties, ctx: { appId: string; namespace: string; storeName: string }): KeyPrefixer {
  const strategy = prop(properties, "keyPrefix") ?? "appid";
  const base = prefixFor(strategy, ctx);
  const prefix = base === "" ? "" : base + SEPARATOR;
  return {
    prefix,
    toStored(key: string): string {
      if (key === "") throw Errors.stateKeyMissing();
      if (key.includes(SEPARATOR)) throw Errors.stateKeyIllegal(key);
      return prefix + key;
    },
    toUser(stored: string): string {
      return prefix && stored.startsWith(prefix) ? stored.slice(prefix.length) : stored;
    },
  };
}

function prefixFor(strategy: string, ctx: { appId: string; namespace: string; storeName: string }): string {
  switch (strategy.toLowerCase()) {
    case "appid":
      return ctx.appId;
    case "name":
      return ctx.storeName;
    case "namespace":
      return ctx.namespace ? `${ctx.namespace}.${ctx.appId}` : ctx.appId;
    case "none":
      return "";
    default:
      if (strategy.includes(SEPARATOR)) throw Errors.stateKeyIllegal(strategy);
      return strategy;
  }
}
