// Dapr's Redis configuration layout: a plain string key whose value is
// `<value>||<version>` (the version part is optional).
import type { ConfigurationItem } from "../configuration-store.js";

export function parseRedisConfigValue(raw: string): ConfigurationItem {
  const parts = raw.split("||");
  // Like Dapr, anything after a second "||" is dropped.
  return { value: parts[0] ?? "", version: parts[1] ?? "", metadata: {} };
}

/** `__keyspace@<db>__:<key>` -> `<key>`; undefined for any other channel. */
export function keyFromKeyspaceChannel(channel: string, db: number): string | undefined {
  const prefix = `__keyspace@${db}__:`;
  return channel.startsWith(prefix) ? channel.slice(prefix.length) : undefined;
}

/** The notify-keyspace-events flags with keyspace events (K) for all commands (A) added. */
export function withKeyspaceFlags(current: string): string {
  let flags = current;
  if (!flags.includes("K")) flags += "K";
  // "A" is an alias for "g$lshzxetd" (and more): all command classes.
  if (!flags.includes("A")) flags += "A";
  return flags;
}
