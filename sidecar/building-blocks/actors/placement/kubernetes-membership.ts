// Placement membership through the Kubernetes API: each hosting sidecar holds
// one coordination.k8s.io/v1 Lease (`dapr-ts-actors-<pod>`, label
// actors.dapr-ts.io/member=true) carrying its app id, internal address and
// actor types, renews it every renewMs and deletes it when it stops cleanly.
// Every sidecar watches those Leases; the live ones are the member list the
// hash ring is built from. Atomicity comes from the API server (AlreadyExists,
// resourceVersion conflicts); liveness is judged as client-go does (see
// kubernetes-lease-view.ts). A host that cannot renew fences itself well
// before others may consider its Lease expired.
//
// A sidecar whose app hosts no actor type holds no Lease (it only routes), so
// apps without actors add no writes to the API server.
import os from "node:os";
import { V1MicroTime, type KubeConfig, type V1Lease, type V1OwnerReference } from "@kubernetes/client-node";
import type { Logger } from "../../../log/logger.js";
import { LeaseClaims } from "./kubernetes-claims.js";
import { LeaseApi } from "./kubernetes-lease-api.js";
import { ANNOTATIONS, appendEvents, eventsOf, hostOf, LeaseObservations, MEMBER_LABEL, memberLeaseName } from "./kubernetes-lease-view.js";
import { LeaseWatch } from "./kubernetes-lease-watch.js";
import type { HostInfo, Membership } from "./membership.js";

export interface KubernetesMembershipOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  logger: Logger;
  /** POD_NAME: names this host's Lease. */
  podName?: string;
  /** POD_UID, when known: the Lease is owned by the pod, so Kubernetes deletes it with the pod. */
  podUid?: string;
  /** Replaces the host part of this sidecar's advertised address (the pod IP instead of a loopback address). */
  advertiseHost?: string;
  /** leaseDurationSeconds written on the Lease (default 10). */
  leaseDurationSeconds?: number;
  /** Renewal period (default 2 s). */
  renewMs?: number;
  /** Deadline of each API call (default: the renewal period, at least 1 s). */
  requestTimeoutMs?: number;
}

export class KubernetesMembership implements Membership {
  readonly description: string;
  /** Own Lease and member list; claims have their own agent and deadline. */
  private readonly api: LeaseApi;
  private readonly claimApi: LeaseApi;
  private readonly watch: LeaseWatch;
  private readonly claims: LeaseClaims;
  private readonly observations = new LeaseObservations();
  private readonly durationSeconds: number;
  private readonly renewMs: number;
  private self: HostInfo | undefined;
  private leaseName: string | undefined;
  /** Our Lease as last written (its resourceVersion guards the next write); undefined when we hold none. */
  private own: V1Lease | undefined;
  private members: HostInfo[] = [];
  private signature = "";
  private v = 0;
  private lastOk = 0;
  private fenced = false;
  private watching = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  private renewing = false;
  private pendingTopics: string[] = [];
  /** Last broadcast sequence seen per member Lease (by holder, so a restarted pod starts afresh). */
  private readonly eventSeq = new Map<string, { holder: string; seq: number }>();
  private readonly reaped = new Set<string>();
  private readonly changeFns: (() => void)[] = [];
  private readonly fenceFns: (() => void)[] = [];
  private readonly broadcastFns: ((topic: string) => void)[] = [];

  constructor(private readonly o: KubernetesMembershipOptions) {
    this.durationSeconds = Math.max(1, Math.round(o.leaseDurationSeconds ?? 10));
    this.renewMs = o.renewMs ?? 2000;
    const timeoutMs = o.requestTimeoutMs ?? Math.max(1000, this.renewMs);
    this.api = new LeaseApi(o.kubeConfig, o.namespace, timeoutMs);
    // A claim may wait longer than a renewal: a slow one delays an activation, a slow renewal fences the host.
    this.claimApi = new LeaseApi(o.kubeConfig, o.namespace, Math.max(5000, timeoutMs));
    this.watch = new LeaseWatch(o.kubeConfig, this.api, `${MEMBER_LABEL}=true`, {
      upsert: (lease) => this.onUpsert(lease),
      remove: (name) => this.onRemove(name),
    }, o.logger);
    this.claims = new LeaseClaims(this.claimApi, {
      self: () => (this.self && this.own && this.leaseName ? { id: this.self.id, memberLease: this.leaseName } : undefined),
      alive: (holder, lease) => this.holderAlive(holder, lease),
    });
    this.description = `kubernetes leases in namespace ${o.namespace}`;
  }

  /** How many times the watch listed again after 410 Gone (tests, diagnostics). */
  get relists(): number {
    return this.watch.relists;
  }

  async join(self: HostInfo): Promise<void> {
    if (!this.watching) {
      await this.watch.start(); // throws while the API server cannot be reached; the caller retries
      this.watching = true;
    }
    this.leaseName ??= memberLeaseName(this.o.podName, os.hostname(), self.id);
    this.self = this.o.advertiseHost ? { ...self, address: withHost(self.address, this.o.advertiseHost) } : self;
    if (this.self.entities.length > 0) {
      await this.write(true);
    } else if (this.own) {
      // Hosts nothing any more: stop being a member others route actors to.
      await this.dropOwnLease();
    }
    this.timer ??= setInterval(() => this.tick(), this.renewMs);
    this.timer.unref();
    this.recompute();
  }

  async leave(): Promise<void> {
    if (!this.self) return;
    this.self = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writing.catch(() => {});
    await this.dropOwnLease().catch((err: Error) => this.o.logger.warn("could not delete the placement lease; it expires on its own", { error: err.message }));
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
    if (!this.self) return false;
    if (this.self.entities.length === 0) return true; // routes only; nothing to fence
    return !!this.own && !this.fenced && performance.now() - this.lastOk < this.fenceAfterMs();
  }

  claim(actorKey: string): Promise<string | undefined> {
    return this.claims.claim(actorKey);
  }

  release(actorKey: string): Promise<void> {
    return this.claims.release(actorKey);
  }

  async broadcast(topic: string): Promise<void> {
    for (const fn of this.broadcastFns) fn(topic);
    if (!this.own || !this.self) return; // without a Lease there is nobody to tell through it
    this.pendingTopics.push(topic);
    // Topics queued while a write is in flight ride on the next one.
    await this.write(false);
  }

  onBroadcast(fn: (topic: string) => void): void {
    this.broadcastFns.push(fn);
  }

  async close(): Promise<void> {
    // Stop watching first: our own Lease's deletion must not reach the (closing) actor runtime as a table change.
    clearInterval(this.timer);
    this.timer = undefined;
    await this.watch.stop();
    await this.leave();
    this.api.close();
    this.claimApi.close();
  }

  // ---- own Lease ----

  /** Fence well before others may see our Lease expire (two renewals of margin). */
  private fenceAfterMs(): number {
    return Math.max(this.renewMs, this.durationSeconds * 1000 - 2 * this.renewMs);
  }

  private tick(): void {
    if (this.self && this.self.entities.length > 0) {
      // A renewal still in flight (a slow API server) is not queued behind with another.
      if (!this.renewing) {
        this.renewing = true;
        void this.write(false).catch(() => {}).finally(() => (this.renewing = false));
      }
      if (this.own && !this.fenced && performance.now() - this.lastOk >= this.fenceAfterMs()) this.fence("could not renew the placement lease in time");
    }
    this.recompute();
    void this.reap();
  }

  /** Writes our Lease (create, take over from our pod's previous process, or renew); one write at a time. */
  private write(first: boolean): Promise<void> {
    const next = this.writing.catch(() => {}).then(() => this.writeNow(first));
    this.writing = next;
    return next;
  }

  private async writeNow(first: boolean): Promise<void> {
    const self = this.self;
    const name = this.leaseName;
    if (!self || !name || self.entities.length === 0) return;
    const topics = this.pendingTopics.splice(0);
    const sentAt = performance.now();
    try {
      let written: V1Lease | undefined;
      for (let attempt = 0; attempt < 3 && !written; attempt++) {
        if (!this.own) {
          const created = await this.api.create(this.leaseBody(self, name, undefined, topics));
          if (created !== "exists") {
            written = created;
            break;
          }
          // Ours from an earlier process of this pod (or a stale one): take it over.
          this.own = await this.api.get(name);
          continue;
        }
        const replaced = await this.api.replace(this.leaseBody(self, name, this.own, topics));
        if (replaced === "gone") {
          // Deleted behind our back (reaped while we could not renew): we were not a member.
          if (!first && !this.fenced) this.fence("the placement lease was removed");
          this.own = undefined;
        } else if (replaced === "conflict") {
          this.own = await this.api.get(name);
        } else {
          written = replaced;
        }
      }
      if (!written) throw new Error("the placement lease kept changing under us");
      if (!this.self) {
        // left while this write was in flight: leave() deletes what we just wrote
        this.own = written;
        return;
      }
      this.own = written;
      this.lastOk = sentAt;
      this.fenced = false;
      this.observations.observe(written);
    } catch (err) {
      this.pendingTopics.unshift(...topics);
      if (first) throw err;
      this.o.logger.debug("renewing the placement lease failed", { error: (err as Error).message });
    }
  }

  private leaseBody(self: HostInfo, name: string, prev: V1Lease | undefined, topics: string[]): V1Lease {
    const mine = prev?.spec?.holderIdentity === self.id;
    const now = new V1MicroTime();
    const owner: V1OwnerReference[] | undefined = this.o.podUid && this.o.podName
      ? [{ apiVersion: "v1", kind: "Pod", name: this.o.podName, uid: this.o.podUid }]
      : undefined;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name,
        namespace: this.o.namespace,
        resourceVersion: prev?.metadata?.resourceVersion,
        labels: { ...prev?.metadata?.labels, [MEMBER_LABEL]: "true" },
        annotations: {
          ...prev?.metadata?.annotations,
          [ANNOTATIONS.appId]: self.appId,
          [ANNOTATIONS.address]: self.address,
          [ANNOTATIONS.entities]: JSON.stringify(self.entities),
          [ANNOTATIONS.events]: JSON.stringify(appendEvents(mine && prev ? eventsOf(prev) : [], topics)),
        },
        ownerReferences: owner ?? prev?.metadata?.ownerReferences,
      },
      spec: {
        holderIdentity: self.id,
        leaseDurationSeconds: this.durationSeconds,
        acquireTime: mine && prev?.spec?.acquireTime ? new V1MicroTime(prev.spec.acquireTime) : now,
        renewTime: now,
        leaseTransitions: (prev?.spec?.leaseTransitions ?? 0) + (prev && !mine ? 1 : 0),
      },
    };
  }

  private async dropOwnLease(): Promise<void> {
    const own = this.own;
    this.own = undefined;
    if (!own?.metadata?.name) return;
    await this.api.delete(own.metadata.name, own.metadata.resourceVersion).then(async (r) => {
      // Renewed after our last record of it (a write in flight): delete whatever is there if it is still ours.
      if (r !== "conflict") return;
      const cur = await this.api.get(own.metadata!.name!);
      if (cur && cur.spec?.holderIdentity === own.spec?.holderIdentity) await this.api.delete(own.metadata!.name!, cur.metadata?.resourceVersion);
    });
    this.observations.forget(own.metadata.name);
  }

  private fence(why: string): void {
    this.fenced = true;
    this.o.logger.warn("placement membership lost; deactivating local actors", { reason: why });
    for (const fn of this.fenceFns) fn();
  }

  // ---- other members ----

  private onUpsert(lease: V1Lease): void {
    const name = lease.metadata?.name ?? "";
    this.observations.observe(lease);
    this.reaped.delete(name);
    if (name !== this.leaseName) this.deliverEvents(name, lease);
    this.recompute();
  }

  private onRemove(name: string): void {
    this.observations.forget(name);
    this.eventSeq.delete(name);
    this.reaped.delete(name);
    this.recompute();
  }

  /** Broadcasts on another host's Lease that we have not delivered yet. */
  private deliverEvents(name: string, lease: V1Lease): void {
    const holder = lease.spec?.holderIdentity ?? "";
    const events = eventsOf(lease);
    const last = events.length ? events[events.length - 1]![0] : 0;
    const prev = this.eventSeq.get(name);
    this.eventSeq.set(name, { holder, seq: last });
    if (!prev || prev.holder !== holder) return; // first sight: what it carries is history
    for (const [seq, topic] of events) {
      if (seq > prev.seq) for (const fn of this.broadcastFns) fn(topic);
    }
  }

  /** The live member list: other hosts' live Leases, and this host as it joined. */
  private recompute(): void {
    const out: HostInfo[] = [];
    for (const o of this.observations.all()) {
      if (o.name === this.leaseName || !this.observations.alive(o.name)) continue;
      const h = hostOf(o.lease);
      if (h && h.id !== this.self?.id) out.push(h);
    }
    if (this.self) out.push(this.self);
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const signature = JSON.stringify(out);
    if (signature === this.signature) return;
    this.signature = signature;
    this.members = out;
    this.v++;
    for (const fn of this.changeFns) fn();
  }

  /** Is `holder` still alive? Reads its member Lease afresh, so a lagging watch cannot make a live host look dead. */
  private async holderAlive(holder: string, leaseName: string | undefined): Promise<boolean> {
    const name = leaseName ?? this.observations.all().find((o) => o.lease.spec?.holderIdentity === holder)?.name;
    if (!name) return false;
    const lease = await this.claimApi.get(name);
    if (!lease) return false;
    // A newer process of the same pod holds it: the one named in the claim is gone.
    if (lease.spec?.holderIdentity !== holder) return false;
    this.observations.observe(lease);
    return this.observations.alive(name);
  }

  /**
   * Deletes member Leases expired for a long time (a pod killed without a clean
   * stop). The resourceVersion precondition makes this a no-op if the host
   * renewed meanwhile; such a host finds its Lease gone and fences itself.
   */
  private async reap(): Promise<void> {
    const after = 3 * this.durationSeconds * 1000;
    for (const o of this.observations.all()) {
      if (o.name === this.leaseName || this.reaped.has(o.name)) continue;
      if (this.observations.expiredForMs(o.name) < after) continue;
      this.reaped.add(o.name);
      await this.api.delete(o.name, o.lease.metadata?.resourceVersion).catch(() => this.reaped.delete(o.name));
    }
  }
}

function withHost(address: string, host: string): string {
  const port = address.slice(address.lastIndexOf(":") + 1);
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
