import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { LocalRegistryResolver, type RegistryEntry } from "./local-registry-resolver.js";
import { AppNotFoundError } from "./name-resolver.js";

/** A registry folder holding entries of live sidecars (this test's own pid stands for theirs). */
function registryWith(entries: { appId: string; namespace?: string; internalPort: number }[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-registry-"));
  entries.forEach((e, i) => {
    const entry: RegistryEntry = {
      appId: e.appId, namespace: e.namespace ?? "default", host: "127.0.0.1", internalPort: e.internalPort,
      httpPort: 1, grpcPort: 2, pid: process.pid, startedAt: new Date().toISOString(),
    };
    writeFileSync(path.join(dir, `${e.appId}-${i}.json`), JSON.stringify(entry));
  });
  return dir;
}

describe("LocalRegistryResolver", () => {
  it("resolves an app id to its sidecar's internal port, and refuses one that is not running", async () => {
    const r = new LocalRegistryResolver(registryWith([{ appId: "orders", internalPort: 41001 }]));
    expect(await r.resolve("orders", "default")).toEqual({ host: "127.0.0.1", port: 41001 });
    await expect(r.resolve("payments", "default")).rejects.toBeInstanceOf(AppNotFoundError);
  });

  it("knows an address at once (resolveCached) only after the folder was read, and not after invalidate()", async () => {
    const r = new LocalRegistryResolver(registryWith([{ appId: "orders", internalPort: 41001 }]));
    expect(r.resolveCached("orders", "default")).toBeUndefined();
    await r.resolve("orders", "default");
    expect(r.resolveCached("orders", "default")).toEqual({ host: "127.0.0.1", port: 41001 });
    expect(r.resolveCached("orders", "elsewhere")).toBeUndefined();
    r.invalidate();
    expect(r.resolveCached("orders", "default")).toBeUndefined();
  });

  it("stops answering from its cache once the cache is older than cacheMs", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const r = new LocalRegistryResolver(registryWith([{ appId: "orders", internalPort: 41001 }]), 1000);
      await r.resolve("orders", "default");
      vi.setSystemTime(Date.now() + 1000);
      expect(r.resolveCached("orders", "default")).toBeDefined();
      vi.setSystemTime(Date.now() + 1);
      expect(r.resolveCached("orders", "default")).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("takes an app's instances in turn, whichever way the address is asked for", async () => {
    const r = new LocalRegistryResolver(registryWith([{ appId: "orders", internalPort: 41001 }, { appId: "orders", internalPort: 41002 }]));
    const ports = [(await r.resolve("orders", "default")).port, r.resolveCached("orders", "default")!.port, (await r.resolve("orders", "default")).port, r.resolveCached("orders", "default")!.port];
    expect(ports.slice(0, 2).sort()).toEqual([41001, 41002]);
    expect(ports.slice(2).sort()).toEqual([41001, 41002]);
    expect(ports[0]).not.toBe(ports[1]);
  });

  it("keeps namespaces apart", async () => {
    const r = new LocalRegistryResolver(registryWith([{ appId: "orders", namespace: "a", internalPort: 41001 }, { appId: "orders", namespace: "b", internalPort: 41002 }]));
    expect((await r.resolve("orders", "a")).port).toBe(41001);
    expect((await r.resolve("orders", "b")).port).toBe(41002);
    expect(r.resolveCached("orders", "b")!.port).toBe(41002);
  });
});
