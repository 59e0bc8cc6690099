// Writes the injector's CA into its MutatingWebhookConfiguration, so the API
// server trusts the injector's serving certificate. No cert-manager needed.
import { PatchStrategy, setHeaderOptions, type AdmissionregistrationV1Api, type V1MutatingWebhookConfiguration } from "@kubernetes/client-node";
import type { JsonPatchOp } from "../patch/json-patch.js";
import { isStatus } from "./ca-secret.js";

/** JSON patch setting every webhook's caBundle to `caPem`; empty when all already match. */
export function caBundlePatch(config: V1MutatingWebhookConfiguration, caPem: string): JsonPatchOp[] {
  const bundle = Buffer.from(caPem).toString("base64");
  const ops: JsonPatchOp[] = [];
  (config.webhooks ?? []).forEach((w, i) => {
    // caBundle is bytes in the API: the client hands it over as base64 text.
    if (String(w.clientConfig?.caBundle ?? "") === bundle) return;
    if (!w.clientConfig) ops.push({ op: "add", path: `/webhooks/${i}/clientConfig`, value: { caBundle: bundle } });
    else ops.push({ op: "add", path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle });
  });
  return ops;
}

export type CaBundleResult = "updated" | "unchanged" | "not-found";

export async function writeCaBundle(api: AdmissionregistrationV1Api, name: string, caPem: string): Promise<CaBundleResult> {
  let config: V1MutatingWebhookConfiguration;
  try {
    config = await api.readMutatingWebhookConfiguration({ name });
  } catch (err) {
    if (isStatus(err, 404)) return "not-found";
    throw err;
  }
  const ops = caBundlePatch(config, caPem);
  if (ops.length === 0) return "unchanged";
  // The resourceVersion test makes a concurrent edit fail instead of being overwritten.
  const guarded = config.metadata?.resourceVersion
    ? [{ op: "test", path: "/metadata/resourceVersion", value: config.metadata.resourceVersion }, ...ops]
    : ops;
  await api.patchMutatingWebhookConfiguration({ name, body: guarded }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));
  return "updated";
}
