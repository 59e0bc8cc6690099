// Placement membership on a shared Redis (multi-machine or several local
// sidecars): a sorted set of hosts scored by heartbeat expiry, a version that
// increases with every member change (published on a channel so others react at
// once), and one claim record per live activation. A host that cannot renew its
// heartbeat fences itself well before its entry expires, so another host can
// only claim its actors once it has stopped running them.
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../../../log/logger.js";
import type { HostInfo, Membership } from "./membership.js";
import { claimScript, heartbeatScript, leaveScript, releaseScript } from "./redis-scripts.js";

export interface RedisMembershipOptions {
  /** `redis://[:password@]host:port[/db]` */
  url: string;
  namespace: string;
  logger: Logger;
  /** How long a member stays without a heartbeat (default 5 s). */
  ttlMs?: number;
  /** Heartbeat period (default 1 s). */
  heartbeatMs?: number;
}

export class RedisMembership implements Membership {
  readonly description: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;
  private self: HostInfo | undefined;
  private members: HostInfo[] = [];
  private v = 0;
  private lastOk = 0;
  private fenced = false;
  private subscribed = false;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private readonly changeFns: (() => void)[] = [];
  private readonly fenceFns: (() => void)[] = [];
  private readonly broadcastFns: ((topic: string) => void)[] = [];

  constructor(private readonly o: RedisMembershipOptions) {
    this.ttlMs = o.ttlMs ?? 5000;
    this.heartbeatMs = o.heartbeatMs ?? 1000;
    const base: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 };
    // No offline queue: a command while Redis is down fails at once instead of
    // waiting, so a lost heartbeat is noticed in time to fence.
    this.cmd = new Redis(o.url, { ...base, enableOfflineQueue: false, commandTimeout: Math.max(200, this.heartbeatMs) });
    this.sub = new Redis(o.url, base);
    for (const r of [this.cmd, this.sub]) r.on("error", () => {}); // reported through failed heartbeats
    this.prefix = `dapr-ts:placement:${o.namespace}:`;
    this.channel = `${this.prefix}events`;
    this.description = `redis ${redactUrl(o.url)}`;
  }

  async join(self: HostInfo): Promise<void> {
    if (!this.subscribed) {
      // A failed first connect leaves ioredis reconnecting on its own; a later join retries from here.
      if (this.cmd.status === "wait") await this.cmd.connect().catch(() => {});
      if (this.sub.status === "wait") await this.sub.connect().catch(() => {});
      await this.sub.subscribe(this.channel);
      this.sub.on("message", (_ch: string, msg: string) => {
        if (msg === "members") void this.heartbeat();
        else for (const fn of this.broadcastFns) fn(msg);
      });
      this.subscribed = true;
    }
    this.self = self;
    this.fenced = false;
    await this.heartbeat(true);
    if (!this.timer) {
      this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
      this.timer.unref();
    }
  }

  async leave(): Promise<void> {
    if (!this.self) return;
    const id = this.self.id;
    this.self = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.cmd.eval(leaveScript, 3, this.key("hosts"), this.key("info"), this.key("version"), id, this.channel).catch(() => {});
  }

  hosts(): HostInfo[] {
    return this.members;
  }

  version(): number {
    return this.v;
  }

  onChange(fn: () => void): void {
    this.changeFns.push(fn);
  }

  onFenced(fn: () => void): void {
    this.fenceFns.push(fn);
  }

  healthy(): boolean {
    return !!this.self && !this.fenced && performance.now() - this.lastOk < this.fenceAfterMs();
  }

  async claim(actorKey: string): Promise<string | undefined> {
    if (!this.self) throw new Error("this host is not a placement member");
    const holder = await this.cmd.eval(claimScript, 2, this.key(`actor:${actorKey}`), this.key("hosts"), this.self.id);
    return typeof holder === "string" ? holder : undefined;
  }

  async release(actorKey: string): Promise<void> {
    if (!this.self) return;
    await this.cmd.eval(releaseScript, 1, this.key(`actor:${actorKey}`), this.self.id);
  }

  async broadcast(topic: string): Promise<void> {
    await this.cmd.publish(this.channel, topic);
  }

  onBroadcast(fn: (topic: string) => void): void {
    this.broadcastFns.push(fn);
  }

  async close(): Promise<void> {
    await this.leave();
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  /** Fence well before the entry expires in Redis (one heartbeat plus a margin). */
  private fenceAfterMs(): number {
    return Math.max(this.heartbeatMs, this.ttlMs - 2 * this.heartbeatMs);
  }

  private key(k: string): string {
    return this.prefix + k;
  }

  private heartbeat(first = false): Promise<void> {
    // One heartbeat at a time; a pub/sub nudge during one rides on it.
    this.beating ??= this.beat(first).finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async beat(first: boolean): Promise<void> {
    const self = this.self;
    if (!self) return;
    const sentAt = performance.now();
    const info = JSON.stringify({ appId: self.appId, address: self.address, entities: self.entities });
    let reply: unknown[];
    try {
      reply = (await this.cmd.eval(heartbeatScript, 3, this.key("hosts"), this.key("info"), this.key("version"), self.id, info, String(this.ttlMs), this.channel)) as unknown[];
    } catch (err) {
      if (first) throw err;
      if (!this.fenced && performance.now() - this.lastOk >= this.fenceAfterMs()) this.fence(`heartbeat failing: ${(err as Error).message}`);
      return;
    }
    if (!this.self) return; // left while the heartbeat was in flight
    const wasMember = Number(reply[1]) === 1;
    if (!first && !wasMember && !this.fenced) this.fence("membership expired");
    this.fenced = false;
    this.lastOk = sentAt;
    const version = Number(reply[0]);
    const members: HostInfo[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) {
      try {
        const m = JSON.parse(String(reply[i + 1])) as Omit<HostInfo, "id">;
        members.push({ id: String(reply[i]), appId: m.appId, address: m.address, entities: Array.isArray(m.entities) ? m.entities : [] });
      } catch {
        // a corrupt entry is skipped; it expires on its own
      }
    }
    const changed = version !== this.v || members.length !== this.members.length;
    this.members = members;
    this.v = version;
    if (changed) for (const fn of this.changeFns) fn();
  }

  private fence(why: string): void {
    this.fenced = true;
    this.o.logger.warn("placement membership lost; deactivating local actors", { reason: why });
    for (const fn of this.fenceFns) fn();
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
