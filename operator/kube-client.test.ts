// The operator's keep-alive status writer against the API double: a write, a
// write to an object that is gone (false, not an error), and a refused write
// (an error carrying the HTTP code, like client-node's).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installDaprCrds } from "../test/e2e-k8s/operator-harness.js";
import { startKubeApi, type KubeApi } from "../test/kube-api/server.js";
import { KubeRequestError, OperatorKubeClient } from "./kube-client.js";
import { componentKind } from "./reconcilers/component.js";
import { subscriptionKind } from "./reconcilers/subscription.js";

let api: KubeApi;
let client: OperatorKubeClient;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false, namespaces: ["kc"] });
  await installDaprCrds(api);
  client = new OperatorKubeClient(api.kubeConfig(), 2);
});
afterAll(async () => {
  await client.close();
  await api.stop();
});

describe("OperatorKubeClient", () => {
  it("writes status through the subresource, leaving spec alone", async () => {
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name: "c1", namespace: "kc" }, spec: { type: "state.in-memory", version: "v1", metadata: [] } });
    expect(await client.patchStatus(componentKind, "kc", "c1", { observedGeneration: 1 })).toBe(true);
    const stored = api.get("dapr.io/v1alpha1", "Component", "c1", "kc")!;
    expect(stored.status).toEqual({ observedGeneration: 1 });
    expect(stored.metadata.generation).toBe(1);
  });

  it("answers false for an object that is gone, and throws a coded error for a refused write", async () => {
    expect(await client.patchStatus(componentKind, "kc", "missing", { observedGeneration: 1 })).toBe(false);
    // A v1-shaped Subscription written through v2alpha1 fails v2alpha1's schema (routes required).
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Subscription", metadata: { name: "s1", namespace: "kc" }, spec: { pubsubname: "p", topic: "t", route: "/r" } });
    const err = await client.patchStatus(subscriptionKind, "kc", "s1", { observedGeneration: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeRequestError);
    expect((err as KubeRequestError).code).toBe(422);
  });

  it("reads a Secret's key names, never needing its values, and undefined when absent", async () => {
    await api.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "kc" }, data: { password: Buffer.from("x").toString("base64") } });
    expect(await client.secretKeys("kc", "s")).toEqual(["password"]);
    expect(await client.secretKeys("kc", "nope")).toBeUndefined();
  });
});
