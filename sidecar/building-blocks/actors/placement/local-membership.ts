// Placement for one sidecar alone (the embedded default and plain standalone
// runs): the only host is this process, so claims need no shared record. Two
// sidecars hosting the same type must use a shared backend (Redis) instead.
import type { HostInfo, Membership } from "./membership.js";

export class LocalMembership implements Membership {
  readonly description = "local";
  private self: HostInfo | undefined;
  private v = 0;
  private readonly changeFns: (() => void)[] = [];
  private readonly broadcastFns: ((topic: string) => void)[] = [];

  async join(self: HostInfo): Promise<void> {
    this.self = self;
    this.v++;
    for (const fn of this.changeFns) fn();
  }

  async leave(): Promise<void> {
    this.self = undefined;
    this.v++;
    for (const fn of this.changeFns) fn();
  }

  hosts(): HostInfo[] {
    return this.self ? [this.self] : [];
  }

  version(): number {
    return this.v;
  }

  onChange(fn: () => void): void {
    this.changeFns.push(fn);
  }

  onFenced(): void {
    // A single process cannot lose its own membership.
  }

  healthy(): boolean {
    return true;
  }

  async claim(): Promise<string | undefined> {
    return undefined;
  }

  async release(): Promise<void> {}

  async broadcast(topic: string): Promise<void> {
    for (const fn of this.broadcastFns) fn(topic);
  }

  onBroadcast(fn: (topic: string) => void): void {
    this.broadcastFns.push(fn);
  }

  async close(): Promise<void> {}
}
