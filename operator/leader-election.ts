// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it, so
// that of several operator replicas exactly one writes:
// - a candidate takes the Lease when it is free, or when its holder has not
//   renewed it for leaseDuration, measured on OUR clock from when we last saw
//   the record change (so clock skew between replicas does not matter);
// - every write carries the resourceVersion read, so of two candidates racing
//   for an expired Lease one gets 409 Conflict and stays a follower;
// - the leader renews every retryPeriod, and steps down if it could not renew
//   for renewDeadline (shorter than leaseDuration: it stops before anyone else
//   may start);
// - on a clean stop the leader releases the Lease, so a successor need not
//   wait for it to expire.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { Logger } from "../sidecar/log/logger.js";
import { statusOf } from "./kube-client.js";

export interface LeaderElectionOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void | Promise<void>;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** The last Lease seen and when we saw its record change. */
  private observed: { holder: string; renewTime: string; durationMs: number; at: number } | undefined;
  private lastRenew = 0;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.api = opts.kc.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    if (this.leading) {
      // Stop writing first, then hand the Lease over.
      this.leading = false;
      await this.opts.onStoppedLeading();
      await withTimeout(this.release(), this.opts.renewDeadlineMs).catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let ok = false;
      try {
        // An API server that stops answering must not hold us past the renew deadline.
        ok = await withTimeout(this.tryAcquireOrRenew(), this.opts.renewDeadlineMs);
      } catch (err) {
        this.opts.logger.debug("leader election attempt failed", { error: err instanceof Error ? err.message : String(err) });
      }
      const now = Date.now();
      if (ok) {
        this.lastRenew = now;
        if (!this.leading) {
          this.leading = true;
          this.opts.logger.info("became leader", { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity });
          this.opts.onStartedLeading();
        }
      } else if (this.leading && now - this.lastRenew >= this.opts.renewDeadlineMs) {
        this.leading = false;
        this.opts.logger.warn("lost leadership: could not renew the lease in time", { lease: `${this.opts.namespace}/${this.opts.name}` });
        await this.opts.onStoppedLeading();
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.opts.retryPeriodMs);
      });
    }
  }

  private spec(acquireTime: V1MicroTime, transitions: number): V1Lease["spec"] {
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.opts.leaseDurationMs / 1000)),
      acquireTime,
      renewTime: new V1MicroTime(),
      leaseTransitions: transitions,
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      try {
        await this.api.createNamespacedLease({ namespace, body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: this.spec(new V1MicroTime(), 0) } });
        return true;
      } catch (createErr) {
        if (statusOf(createErr) === 409) return false; // another candidate created it first
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : "";
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, durationMs, at: Date.now() };
    }
    const mine = holder === identity;
    const expired = holder === "" || Date.now() > this.observed.at + durationMs;
    if (!mine && !expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const acquireTime = mine && spec.acquireTime ? new V1MicroTime(spec.acquireTime) : new V1MicroTime();
    try {
      await this.api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec: this.spec(acquireTime, transitions) } });
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false; // lost the race for it
      throw err;
    }
  }

  /** Gives the Lease up so a successor takes over at once (client-go's ReleaseOnCancel). */
  private async release(): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({ namespace: this.opts.namespace, name: this.opts.name });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.api.replaceNamespacedLease({
        namespace: this.opts.namespace,
        name: this.opts.name,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: new V1MicroTime() } },
      });
    } catch (err) {
      this.opts.logger.debug("could not release the lease", { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the API server within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
