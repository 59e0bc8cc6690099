// A membership whose backend module is imported on the first join: the
// Kubernetes client library takes most of a second to load, and a sidecar that
// never hosts or calls an actor should not pay for it at start-up.
import type { HostInfo, Membership } from "./membership.js";

export class LazyMembership implements Membership {
  private inner: Membership | undefined;
  private loading: Promise<Membership> | undefined;
  private readonly changeFns: (() => void)[] = [];
  private readonly fenceFns: (() => void)[] = [];
  private readonly broadcastFns: ((topic: string) => void)[] = [];

  constructor(readonly description: string, private readonly load: () => Promise<Membership>) {}

  async join(self: HostInfo): Promise<void> {
    await (await this.loaded()).join(self);
  }

  async leave(): Promise<void> {
    await this.inner?.leave();
  }

  hosts(): HostInfo[] {
    return this.inner?.hosts() ?? [];
  }

  version(): number {
    return this.inner?.version() ?? 0;
  }

  onChange(fn: () => void): void {
    this.changeFns.push(fn);
    this.inner?.onChange(fn);
  }

  onFenced(fn: () => void): void {
    this.fenceFns.push(fn);
    this.inner?.onFenced(fn);
  }

  healthy(): boolean {
    return this.inner?.healthy() ?? false;
  }

  claim(actorKey: string): Promise<string | undefined> {
    if (!this.inner) return Promise.reject(new Error("this host is not a placement member"));
    return this.inner.claim(actorKey);
  }

  async release(actorKey: string): Promise<void> {
    await this.inner?.release(actorKey);
  }

  async broadcast(topic: string): Promise<void> {
    if (this.inner) return this.inner.broadcast(topic);
    for (const fn of this.broadcastFns) fn(topic);
  }

  onBroadcast(fn: (topic: string) => void): void {
    this.broadcastFns.push(fn);
    this.inner?.onBroadcast(fn);
  }

  async close(): Promise<void> {
    await this.loading?.catch(() => undefined);
    await this.inner?.close();
  }

  private loaded(): Promise<Membership> {
    this.loading ??= this.load().then((m) => {
      for (const fn of this.changeFns) m.onChange(fn);
      for (const fn of this.fenceFns) m.onFenced(fn);
      for (const fn of this.broadcastFns) m.onBroadcast(fn);
      this.inner = m;
      return m;
    }).catch((err: unknown) => {
      this.loading = undefined; // a later join tries again
      throw err;
    });
    return this.loading;
  }
}
