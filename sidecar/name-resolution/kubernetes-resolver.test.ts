import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostMapFrom, hostsFileLookup, KubernetesNameResolver, splitTarget } from "./kubernetes-resolver.js";
import { AppNotFoundError } from "./name-resolver.js";

describe("KubernetesNameResolver", () => {
  it("resolves an app id in the caller's namespace to its -dapr Service on port 50002", async () => {
    const r = new KubernetesNameResolver();
    expect(await r.resolve("orders", "shop")).toEqual({ host: "orders-dapr.shop.svc.cluster.local", port: 50002 });
  });

  it("resolves app-id.namespace to another namespace", async () => {
    const r = new KubernetesNameResolver();
    expect(await r.resolve("inventory.warehouse", "shop")).toEqual({ host: "inventory-dapr.warehouse.svc.cluster.local", port: 50002 });
  });

  it("honours a custom cluster domain and internal port", async () => {
    const r = new KubernetesNameResolver({ clusterDomain: "corp.example", internalPort: 6000 });
    expect(await r.resolve("a", "b")).toEqual({ host: "a-dapr.b.svc.corp.example", port: 6000 });
  });

  it("uses the injected host mapping, falling back to DNS names it does not know", async () => {
    const table: Record<string, { host: string; port: number }> = { "orders-dapr.default.svc.cluster.local": { host: "127.0.0.7", port: 41234 } };
    const r = new KubernetesNameResolver({ hosts: (name) => table[name] });
    expect(await r.resolve("orders", "default")).toEqual({ host: "127.0.0.7", port: 41234 });
    expect(await r.resolve("other", "default")).toEqual({ host: "other-dapr.default.svc.cluster.local", port: 50002 });
  });

  it("rejects malformed targets with a message naming them", async () => {
    const r = new KubernetesNameResolver();
    await expect(r.resolve("a.b.c", "default")).rejects.toThrow(/'a\.b\.c'.*app-id\.namespace/);
    await expect(r.resolve("Bad_Id", "default")).rejects.toBeInstanceOf(AppNotFoundError);
    await expect(r.resolve("ok.", "default")).rejects.toThrow(/namespace '' is not a valid DNS label/);
    await expect(r.resolve("", "default")).rejects.toThrow(/app id '' is not a valid DNS label/);
  });

  it("knows an address at once (resolveCached) wherever resolve would answer, and leaves errors to resolve", async () => {
    const r = new KubernetesNameResolver();
    expect(r.resolveCached("inventory.warehouse", "shop")).toEqual(await r.resolve("inventory.warehouse", "shop"));
    expect(r.resolveCached("Bad_Id", "default")).toBeUndefined();
  });

  it("splitTarget keeps the own namespace when none is given", () => {
    expect(splitTarget("orders", "ns1")).toEqual({ appId: "orders", namespace: "ns1" });
    expect(splitTarget("orders.ns2", "ns1")).toEqual({ appId: "orders", namespace: "ns2" });
  });

  it("hostMapFrom parses name=host:port lists and names a bad entry", async () => {
    const r = new KubernetesNameResolver({ hosts: hostMapFrom("orders-dapr.default.svc.cluster.local=127.0.0.2:50002, inv-dapr.shop.svc.cluster.local=[::1]:6000") });
    expect(await r.resolve("orders", "default")).toEqual({ host: "127.0.0.2", port: 50002 });
    expect(await r.resolve("inv.shop", "default")).toEqual({ host: "::1", port: 6000 });
    expect(() => hostMapFrom("a=b")).toThrow("invalid host mapping 'a=b': expected <dns-name>=<host>:<port>");
    expect(() => hostMapFrom("a=127.0.0.1:70000")).toThrow(/invalid host mapping 'a=127\.0\.0\.1:70000'/);
    expect(hostMapFrom("")("x")).toBeUndefined();
  });

  it("hostsFileLookup maps name and port from a JSON file, re-read when it changes", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "k8s-hosts-")), "hosts.json");
    const r = new KubernetesNameResolver({ hosts: hostsFileLookup(file) });
    // No file yet: DNS names as they are.
    expect(await r.resolve("orders", "default")).toEqual({ host: "orders-dapr.default.svc.cluster.local", port: 50002 });
    writeFileSync(file, JSON.stringify({ "orders-dapr.default.svc.cluster.local:50002": "127.0.0.1:41001", "orders-dapr.default.svc.cluster.local:9090": "127.0.0.1:1" }));
    expect(await r.resolve("orders", "default")).toEqual({ host: "127.0.0.1", port: 41001 });
    // A pod that starts later: written whole and renamed, as the test kubelet does.
    writeFileSync(`${file}.tmp`, JSON.stringify({ "inv-dapr.shop.svc.cluster.local:50002": "[::1]:42002" }));
    renameSync(`${file}.tmp`, file);
    expect(await r.resolve("inv.shop", "default")).toEqual({ host: "::1", port: 42002 });
    expect(await r.resolve("orders", "default")).toEqual({ host: "orders-dapr.default.svc.cluster.local", port: 50002 });
    writeFileSync(file, "{not json");
    expect(await r.resolve("inv.shop", "default")).toEqual({ host: "inv-dapr.shop.svc.cluster.local", port: 50002 });
  });
});
