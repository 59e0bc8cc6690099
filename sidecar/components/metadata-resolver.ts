// Turns a Component resource's `spec.metadata` list into the flat string map a
// component reads: literal values, `envRef` from the environment, and
// `secretKeyRef` through the named secret store. Dapr's `{uuid}`, `{podName}`,
// `{namespace}` and `{appID}` templates are expanded in literal values.
import { randomUUID } from "node:crypto";
import type { ComponentResource } from "../resources/types.js";
import type { Properties } from "./component.js";

/** Looks a secret up: resolves the value of `key` in secret `name` of store `store`. */
export type SecretLookup = (store: string, name: string, key: string) => Promise<string>;

export interface ResolveContext {
  appId: string;
  namespace: string;
  podName?: string;
  env: NodeJS.ProcessEnv;
  /** The secret store used when a Component has no `auth.secretStore` (Kubernetes mode: "kubernetes"). */
  defaultSecretStore?: string;
  lookupSecret: SecretLookup;
}

export async function resolveMetadata(res: ComponentResource, ctx: ResolveContext): Promise<Properties> {
  const out: Properties = {};
  const name = res.metadata.name;
  for (const item of res.spec.metadata ?? []) {
    if (item.secretKeyRef) {
      const store = res.auth?.secretStore ?? ctx.defaultSecretStore;
      if (!store) {
        throw new Error(
          `component ${name}: metadata '${item.name}' uses secretKeyRef '${item.secretKeyRef.name}' but no secret store is named (set auth.secretStore)`,
        );
      }
      const key = item.secretKeyRef.key || item.secretKeyRef.name;
      out[item.name] = await ctx.lookupSecret(store, item.secretKeyRef.name, key);
    } else if (item.envRef) {
      out[item.name] = ctx.env[item.envRef] ?? "";
    } else {
      out[item.name] = expandTemplates(stringify(item.value), ctx);
    }
  }
  return out;
}

/** Dapr stores metadata values as JSON; a non-string value is kept as its JSON text. */
function stringify(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function expandTemplates(v: string, ctx: ResolveContext): string {
  if (!v.includes("{")) return v;
  return v
    .replaceAll("{uuid}", randomUUID())
    .replaceAll("{podName}", ctx.podName ?? "")
    .replaceAll("{namespace}", `${ctx.namespace}.${ctx.appId}`)
    .replaceAll("{appID}", ctx.appId);
}
