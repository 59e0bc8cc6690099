// Name resolution for sidecars on several machines, through a Redis they all
// reach (Configuration `nameResolution: {component: redis, configuration:
// {redisHost, redisPassword}}`). Each sidecar keeps a heartbeat entry in a
// hash per app id; entries older than the TTL are ignored, so a crashed
// sidecar drops out by itself. The Redis client loads only when used.
import type { Redis } from "ioredis";
import { AppNotFoundError, type NameResolver, type ResolvedAddress } from "./name-resolver.js";
import { parseRedisHost } from "../components/redis-connection.js";

interface Entry {
  host: string;
  port: number;
  seenAt: number;
}

export interface RedisResolverOptions {
  redisHost: string;
  redisPassword?: string;
  /** An entry not refreshed for this long is taken as gone. */
  ttlMs?: number;
  /** Resolutions are cached this long: resolution sits on every invocation's path. */
  cacheMs?: number;
}

export class RedisNameResolver implements NameResolver {
  private client?: Promise<Redis>;
  private heartbeat?: NodeJS.Timeout;
  private own?: { key: string; field: string };
  private readonly cache = new Map<string, { at: number; entries: Entry[] }>();
  private readonly next = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly cacheMs: number;

  private readonly address: { host: string; port: number };

  constructor(private readonly o: RedisResolverOptions) {
    const address = parseRedisHost(o.redisHost);
    if (!address) throw new Error(`nameResolution redis: configuration.redisHost must be host:port, got '${o.redisHost}'`);
    this.address = address;
    this.ttlMs = o.ttlMs ?? 10_000;
    this.cacheMs = o.cacheMs ?? 1_000;
  }

  private redis(): Promise<Redis> {
    this.client ??= import("ioredis").then(({ Redis }) => {
      return new Redis({ ...this.address, password: this.o.redisPassword || undefined, maxRetriesPerRequest: 2 });
    });
    return this.client;
  }

  private static key(namespace: string, appId: string): string {
    return `dapr-ts||nameresolution||${namespace}||${appId}`;
  }

  async register(e: { appId: string; namespace: string; host: string; internalPort: number; pid: number }): Promise<void> {
    const redis = await this.redis();
    this.own = { key: RedisNameResolver.key(e.namespace, e.appId), field: `${e.host}:${e.internalPort}:${e.pid}` };
    const beat = async () => {
      const entry: Entry = { host: e.host, port: e.internalPort, seenAt: Date.now() };
      await redis.multi().hset(this.own!.key, this.own!.field, JSON.stringify(entry)).pexpire(this.own!.key, this.ttlMs * 6).exec();
    };
    await beat();
    this.heartbeat = setInterval(() => void beat().catch(() => {}), Math.max(250, this.ttlMs / 3));
    this.heartbeat.unref();
  }

  async resolve(appId: string, namespace: string): Promise<ResolvedAddress> {
    const key = RedisNameResolver.key(namespace, appId);
    let cached = this.cache.get(key);
    if (!cached || Date.now() - cached.at > this.cacheMs) {
      const raw = await (await this.redis()).hgetall(key);
      const now = Date.now();
      const entries = Object.values(raw)
        .map((v) => { try { return JSON.parse(v) as Entry; } catch { return undefined; } })
        .filter((x): x is Entry => !!x && now - x.seenAt <= this.ttlMs)
        .sort((a, b) => `${a.host}:${a.port}`.localeCompare(`${b.host}:${b.port}`));
      cached = { at: now, entries };
      this.cache.set(key, cached);
    }
    if (cached.entries.length === 0) throw new AppNotFoundError(appId, `no live sidecar registered in the name-resolution Redis (${this.o.redisHost})`);
    return this.inTurn(key, cached.entries);
  }

  resolveCached(appId: string, namespace: string): ResolvedAddress | undefined {
    const key = RedisNameResolver.key(namespace, appId);
    const cached = this.cache.get(key);
    if (!cached || Date.now() - cached.at > this.cacheMs || cached.entries.length === 0) return undefined;
    return this.inTurn(key, cached.entries);
  }

  /** An app's sidecars taken in turn. */
  private inTurn(key: string, entries: Entry[]): ResolvedAddress {
    const i = (this.next.get(key) ?? 0) % entries.length;
    this.next.set(key, i + 1);
    return { host: entries[i]!.host, port: entries[i]!.port };
  }

  invalidate(): void {
    this.cache.clear();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (!this.client) return;
    const redis = await this.client;
    if (this.own) await redis.hdel(this.own.key, this.own.field).catch(() => {});
    redis.disconnect();
  }
}
