import { describe, expect, it } from "vitest";
import { appIdOf, desiredDaprService, isDaprEnabled, serviceUpdate, type Workload } from "./dapr-service.js";

function workload(annotations: Record<string, string>): Workload {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop", uid: "u-1" }, spec: { template: { metadata: { labels: { app: "web", tier: "front" }, annotations } } } };
}

describe("desiredDaprService", () => {
  it("reads the pod template's annotations, like Dapr", () => {
    expect(isDaprEnabled(workload({ "dapr.io/enabled": "true" }))).toBe(true);
    expect(isDaprEnabled(workload({ "dapr.io/enabled": "false" }))).toBe(false);
    expect(isDaprEnabled({ metadata: { annotations: { "dapr.io/enabled": "true" } } })).toBe(false);
    expect(appIdOf(workload({}))).toBe("web");
    expect(appIdOf(workload({ "dapr.io/app-id": "storefront" }))).toBe("storefront");
  });

  it("builds the headless Service with Dapr's ports, owner and scrape annotations", () => {
    const s = desiredDaprService(workload({ "dapr.io/enabled": "true", "dapr.io/metrics-port": "9999" }));
    expect(s.metadata).toMatchObject({ name: "web-dapr", namespace: "shop", annotations: { "prometheus.io/port": "9999", "prometheus.io/scrape": "true" } });
    expect(s.metadata!.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "u-1", controller: true, blockOwnerDeletion: true }]);
    expect(s.spec!.clusterIP).toBe("None");
    expect(s.spec!.selector).toEqual({ app: "web", tier: "front" });
    expect(s.spec!.ports!.map((p) => [p.name, p.port, p.targetPort])).toEqual([["dapr-http", 80, 3500], ["dapr-grpc", 50001, 50001], ["dapr-internal", 50002, 50002], ["dapr-metrics", 9999, 9999]]);
    expect(desiredDaprService(workload({ "dapr.io/metrics-port": "x" })).spec!.ports![3]!.port).toBe(9090);
  });
});

describe("serviceUpdate", () => {
  it("changes nothing on a matching Service, keeps others' fields, and fixes drift", () => {
    const desired = desiredDaprService(workload({ "dapr.io/enabled": "true" }));
    const stored = { ...structuredClone(desired), metadata: { ...structuredClone(desired.metadata!), resourceVersion: "7", labels: { ...desired.metadata!.labels, extra: "kept" } }, spec: { ...structuredClone(desired.spec!), clusterIPs: ["None"] } };
    expect(serviceUpdate(stored, desired)).toBeUndefined();
    const drifted = structuredClone(stored);
    drifted.spec.selector = { app: "other" };
    const fixed = serviceUpdate(drifted, desired)!;
    expect(fixed.spec!.selector).toEqual(desired.spec!.selector);
    expect(fixed.metadata!.labels!.extra).toBe("kept");
    expect(fixed.metadata!.resourceVersion).toBe("7");
    expect(fixed.spec!.clusterIPs).toEqual(["None"]);
  });
});
