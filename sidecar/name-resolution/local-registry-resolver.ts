// Zero-configuration name resolution for sidecars on one machine: each sidecar
// writes a small JSON entry into a shared folder (like Dapr's mDNS, but with
// no network multicast), and resolution reads the entries of live processes.
// Several instances of one app are taken in turn. `dapr-ts list` reads the same folder.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AppNotFoundError, type NameResolver, type ResolvedAddress } from "./name-resolver.js";

export interface RegistryEntry {
  appId: string;
  namespace: string;
  host: string;
  internalPort: number;
  httpPort: number;
  grpcPort: number;
  appPort?: number;
  pid: number;
  startedAt: string;
  command?: string;
}

export function registryDir(home: string): string {
  return path.join(home, "registry");
}

/** Entries of sidecars whose process is still alive; stale files are removed. */
export function liveEntries(dir: string): RegistryEntry[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const out: RegistryEntry[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    try {
      const e = JSON.parse(readFileSync(file, "utf8")) as RegistryEntry;
      if (isAlive(e.pid)) out.push(e);
      else rmSync(file, { force: true });
    } catch {
      // A file being written right now, or garbage: skip it.
    }
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class LocalRegistryResolver implements NameResolver {
  private readonly next = new Map<string, number>();
  private ownFile?: string;
  /** byTarget: namespace -> app id -> matches (two maps, so a call builds no key string to hash). */
  private cache: { at: number; entries: RegistryEntry[]; byTarget: Map<string, Map<string, RegistryEntry[]>> } | undefined;

  /** Entries are re-read at most every `cacheMs`: resolution sits on every invocation's path. */
  constructor(private readonly dir: string, private readonly cacheMs = 1000) {}

  /** The sidecars of `appId` (in `namespace`, or any when empty), ordered by pid; worked out once per read of the folder. */
  private matching(appId: string, namespace: string): RegistryEntry[] {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > this.cacheMs) this.cache = { at: now, entries: liveEntries(this.dir), byTarget: new Map() };
    let inNamespace = this.cache.byTarget.get(namespace);
    if (!inNamespace) this.cache.byTarget.set(namespace, (inNamespace = new Map()));
    let matches = inNamespace.get(appId);
    if (!matches) {
      matches = this.cache.entries.filter((e) => e.appId === appId && (e.namespace === namespace || !namespace)).sort((a, b) => a.pid - b.pid);
      inNamespace.set(appId, matches);
    }
    return matches;
  }

  /** Forgets cached entries (e.g. after a call to a resolved address failed). */
  invalidate(): void {
    this.cache = undefined;
  }

  async register(entry: Omit<RegistryEntry, "startedAt">): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.ownFile = path.join(this.dir, `${entry.appId}-${entry.pid}.json`);
    const tmp = `${this.ownFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...entry, startedAt: new Date().toISOString() }));
    // Rename is atomic: readers never see half a file.
    const { renameSync } = await import("node:fs");
    renameSync(tmp, this.ownFile);
  }

  async resolve(appId: string, namespace: string): Promise<ResolvedAddress> {
    let matches = this.matching(appId, namespace);
    if (matches.length === 0) {
      // A sidecar that started since the last read: look again before giving up.
      this.invalidate();
      matches = this.matching(appId, namespace);
    }
    if (matches.length === 0) throw new AppNotFoundError(appId, "no sidecar with this app id is running on this machine");
    return this.inTurn(appId, matches);
  }

  resolveCached(appId: string, namespace: string): ResolvedAddress | undefined {
    if (!this.cache || Date.now() - this.cache.at > this.cacheMs) return undefined;
    const matches = this.cache.byTarget.get(namespace)?.get(appId);
    return matches?.length ? this.inTurn(appId, matches) : undefined;
  }

  /** The next of an app's sidecars: instances are taken in turn (one instance, the usual case, needs no turn kept). */
  private inTurn(appId: string, matches: RegistryEntry[]): ResolvedAddress {
    let i = 0;
    if (matches.length > 1) {
      i = (this.next.get(appId) ?? 0) % matches.length;
      this.next.set(appId, i + 1);
    }
    const e = matches[i]!;
    return { host: e.host, port: e.internalPort };
  }

  async close(): Promise<void> {
    if (this.ownFile) rmSync(this.ownFile, { force: true });
  }
}
