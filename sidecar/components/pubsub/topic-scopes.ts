// Topic scoping from component metadata, with Dapr's rules
// (`pkg/runtime/pubsub` IsOperationAllowed + `scopes.GetScopedTopics`):
// - `allowedTopics: a,b`: only these topics exist for every app.
// - `protectedTopics: a,b`: these topics need an explicit grant in the scopes.
// - `publishingScopes` / `subscriptionScopes: app1=t1,t2;app2=`: an app listed
//   there may use only its listed topics; `app2=` grants nothing (Dapr keeps the
//   empty name in the list, which matches no real topic). Unlisted apps are free.
// Keys are matched case-insensitively and spaces are ignored, as in Dapr.
import type { Properties } from "../component.js";
import { prop } from "../component.js";

export interface TopicScopes {
  canPublish(topic: string): boolean;
  canSubscribe(topic: string): boolean;
}

function topicList(properties: Properties, name: string): string[] {
  const raw = prop(properties, name);
  if (!raw) return [];
  return [...new Set(raw.replaceAll(" ", "").split(","))];
}

/** The topics granted to `appId` by a scopes property; empty when the app is not listed. */
export function scopedTopics(properties: Properties, name: string, appId: string): string[] {
  const raw = prop(properties, name);
  if (!raw) return [];
  const topics = new Set<string>();
  for (const entry of raw.replaceAll(" ", "").split(";")) {
    const parts = entry.split("=");
    if (parts.length < 2 || parts[0] !== appId) continue;
    for (const t of parts[1]!.split(",")) topics.add(t);
  }
  return [...topics];
}

function allowed(topic: string, allowedTopics: string[], protectedTopics: string[], scoped: string[]): boolean {
  if (allowedTopics.length > 0 && !allowedTopics.includes(topic)) return false;
  const isProtected = protectedTopics.includes(topic);
  if (!isProtected && scoped.length === 0) return true;
  return scoped.includes(topic);
}

export function topicScopes(properties: Properties, appId: string): TopicScopes {
  const allowedTopics = topicList(properties, "allowedTopics");
  const protectedTopics = topicList(properties, "protectedTopics");
  const pub = scopedTopics(properties, "publishingScopes", appId);
  const sub = scopedTopics(properties, "subscriptionScopes", appId);
  return {
    canPublish: (topic) => allowed(topic, allowedTopics, protectedTopics, pub),
    canSubscribe: (topic) => allowed(topic, allowedTopics, protectedTopics, sub),
  };
}
