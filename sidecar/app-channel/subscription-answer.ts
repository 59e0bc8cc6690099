// Reads the app's programmatic subscriptions (GET /dapr/subscribe), in both of
// Dapr's formats: v1 (`route`) and v2 (`routes: {rules, default}`). Entries
// that cannot be used are reported and skipped; the rest still load.
import type { AppSubscription } from "./app-channel.js";

export function parseAppSubscriptions(raw: unknown, warn: (problem: string) => void): AppSubscription[] {
  if (!Array.isArray(raw)) {
    warn("expected a JSON array of subscriptions");
    return [];
  }
  const out: AppSubscription[] = [];
  raw.forEach((item, i) => {
    const s = item as Record<string, unknown> | null;
    if (typeof s !== "object" || s === null) return warn(`subscription ${i} is not an object`);
    const pubsubname = s["pubsubname"] ?? s["pubsubName"];
    const topic = s["topic"];
    if (typeof pubsubname !== "string" || !pubsubname) return warn(`subscription ${i} has no pubsubname`);
    if (typeof topic !== "string" || !topic) return warn(`subscription ${i} has no topic`);
    const routes = s["routes"] as AppSubscription["routes"] | undefined;
    const route = typeof s["route"] === "string" ? (s["route"] as string) : undefined;
    if (!route && !routes?.default && !(routes?.rules?.length)) return warn(`subscription ${i} (${pubsubname}/${topic}) has no route`);
    const bulk = s["bulkSubscribe"] as AppSubscription["bulkSubscribe"] | undefined;
    out.push({
      pubsubname,
      topic,
      metadata: stringMap(s["metadata"]),
      route,
      routes,
      deadLetterTopic: typeof s["deadLetterTopic"] === "string" && s["deadLetterTopic"] ? (s["deadLetterTopic"] as string) : undefined,
      bulkSubscribe: bulk && typeof bulk === "object" ? bulk : undefined,
    });
  });
  return out;
}

function stringMap(v: unknown): Record<string, string> {
  if (typeof v !== "object" || v === null) return {};
  return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, typeof val === "string" ? val : JSON.stringify(val)]));
}
