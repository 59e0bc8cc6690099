// Which subscription a received MQTT topic belongs to: exact names, `+` and
// `#` wildcards, and shared subscriptions (`$share/<group>/<filter>`), whose
// messages arrive under the plain topic name.
const sharePrefix = /^\$share\/[^/]+\//;

/** The filter part of a subscription topic (strips `$share/<group>/`). */
export function filterOf(subscription: string): string {
  return subscription.replace(sharePrefix, "");
}

/** True when `topic` (as published) matches the MQTT topic `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    const part = f[i]!;
    if (part === "#") return true; // matches this level and everything below (also the parent itself)
    if (i >= t.length) return false;
    if (part !== "+" && part !== t[i]) return false;
  }
  return f.length === t.length;
}
