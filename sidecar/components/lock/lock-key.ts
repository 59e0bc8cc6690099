// How daprd turns an app's resource id into the key a lock store sees
// (dapr/dapr pkg/components/lock/lock_config.go). The component's metadata
// `keyPrefix` picks the strategy: "appid" (default) -> `lock||<appId>||<id>`
// (`lock||<id>` without an app id), "name" -> `lock||<storeName>||<id>`,
// "none" -> `lock||<id>`, anything else -> `lock||<that value>||<id>`.
import { prop, type Properties } from "../component.js";

const SEPARATOR = "||";

export type LockKeyPrefix = { strategy: "appid" | "name" | "none" } | { strategy: "custom"; prefix: string };

/** Reads `keyPrefix` from the component's metadata; throws when it holds the separator. */
export function lockKeyPrefixFromProperties(properties: Properties): LockKeyPrefix {
  const raw = prop(properties, "keyPrefix") ?? "";
  if (raw.includes(SEPARATOR)) throw new Error(`input key/keyPrefix '${raw}' can't contain '${SEPARATOR}'`);
  const lower = raw.toLowerCase();
  if (lower === "" || lower === "appid") return { strategy: "appid" };
  if (lower === "name" || lower === "none") return { strategy: lower };
  // Dapr lower-cases the custom prefix too.
  return { strategy: "custom", prefix: lower };
}

export function lockKey(resourceId: string, prefix: LockKeyPrefix, storeName: string, appId: string): string {
  if (resourceId.includes(SEPARATOR)) throw new Error(`input key/keyPrefix '${resourceId}' can't contain '${SEPARATOR}'`);
  switch (prefix.strategy) {
    case "none":
      return `lock${SEPARATOR}${resourceId}`;
    case "name":
      return `lock${SEPARATOR}${storeName}${SEPARATOR}${resourceId}`;
    case "appid":
      return appId ? `lock${SEPARATOR}${appId}${SEPARATOR}${resourceId}` : `lock${SEPARATOR}${resourceId}`;
    case "custom":
      return `lock${SEPARATOR}${prefix.prefix}${SEPARATOR}${resourceId}`;
  }
}
