import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../log/logger.js";
import { startKubeApi, type KubeApi } from "../../../../test/kube-api/server.js";
import { createMembership, placementAddress } from "./create-membership.js";
import { LocalMembership } from "./local-membership.js";

describe("placementAddress with Kubernetes", () => {
  it("defaults to kubernetes in Kubernetes mode and to local elsewhere", () => {
    expect(placementAddress({ mode: "kubernetes" })).toBe("kubernetes");
    expect(placementAddress({ mode: "kubernetes", storeType: "state.redis", storeProperties: { redisHost: "h:1" } })).toBe("kubernetes");
    expect(placementAddress({ mode: "standalone" })).toBe("local");
    expect(placementAddress({})).toBe("local");
  });

  it("lets an explicit setting win over the mode, and allows kubernetes explicitly anywhere", () => {
    expect(placementAddress({ mode: "kubernetes", flag: "local" })).toBe("local");
    expect(placementAddress({ mode: "kubernetes", storeType: "state.redis", storeProperties: { actorPlacement: "redis", redisHost: "h:2" } })).toBe("redis://h:2/0");
    expect(placementAddress({ mode: "standalone", flag: "kubernetes" })).toBe("kubernetes");
    expect(placementAddress({ storeType: "state.sqlite", storeProperties: { actorPlacement: "kubernetes" } })).toBe("kubernetes");
    expect(() => placementAddress({ mode: "kubernetes", flag: "dapr-placement-server:50005" })).toThrow(/'kubernetes'/);
  });
});

describe("createMembership", () => {
  let api: KubeApi;
  beforeAll(async () => {
    api = await startKubeApi({ controllers: false });
  });
  afterAll(async () => {
    await api.stop();
  });

  it("gives local placement outside Kubernetes", () => {
    expect(createMembership({ namespace: "default", logger: silentLogger })).toBeInstanceOf(LocalMembership);
  });

  it("gives the Lease backend in Kubernetes mode, loading it on the first join", async () => {
    const m = createMembership({ mode: "kubernetes", namespace: "default", logger: silentLogger, podName: "pod-1", kubeConfig: api.kubeConfig(), env: { DAPR_HOST_IP: "127.0.0.1" } });
    expect(m.description).toBe("kubernetes leases in namespace default");
    expect(m.hosts()).toEqual([]);
    expect(m.healthy()).toBe(false);
    let changes = 0;
    m.onChange(() => changes++); // registered before the backend exists
    await expect(m.claim("T||1")).rejects.toThrow(/not a placement member/);
    await m.join({ id: "app/1", appId: "app", address: "127.0.0.1:50002", entities: ["T"] });
    try {
      expect(changes).toBeGreaterThan(0);
      expect(m.healthy()).toBe(true);
      expect(m.hosts().map((h) => h.address)).toEqual(["127.0.0.1:50002"]); // DAPR_HOST_IP set: not rewritten
      expect(api.get("coordination.k8s.io/v1", "Lease", "dapr-ts-actors-pod-1", "default")).toBeDefined();
      expect(await m.claim("T||1")).toBeUndefined();
    } finally {
      await m.close();
    }
    expect(api.get("coordination.k8s.io/v1", "Lease", "dapr-ts-actors-pod-1", "default")).toBeUndefined();
  });

  it("advertises the pod address instead of a loopback one in Kubernetes mode", async () => {
    const m = createMembership({ mode: "kubernetes", namespace: "default", logger: silentLogger, podName: "pod-2", kubeConfig: api.kubeConfig(), env: { POD_IP: "10.1.2.3" } });
    await m.join({ id: "app/2", appId: "app", address: "127.0.0.1:50002", entities: ["T"] });
    try {
      expect(m.hosts()[0]?.address).toBe("10.1.2.3:50002");
    } finally {
      await m.close();
    }
  });
});
