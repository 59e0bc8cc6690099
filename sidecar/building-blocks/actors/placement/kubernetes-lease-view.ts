// How placement state is written on Lease objects, and how this host judges
// whether another host's Lease is still alive.
//
// Liveness follows client-go's leader election: a Lease is alive while its
// record (holder, renewTime, duration) changed less than leaseDuration ago,
// measured on OUR monotonic clock from when WE saw it change. Clocks of
// different hosts are never compared, so skew between nodes does not matter;
// renewTime is only there to make the record change (and for people reading
// `kubectl get lease`).
import { createHash } from "node:crypto";
import type { V1Lease } from "@kubernetes/client-node";
import type { HostInfo } from "./membership.js";

const PREFIX = "actors.dapr-ts.io/";
/** Label on every member Lease (what the watch selects). */
export const MEMBER_LABEL = `${PREFIX}member`;
/** Label on every activation-claim Lease (never watched). */
export const CLAIM_LABEL = `${PREFIX}claim`;
export const ANNOTATIONS = {
  appId: `${PREFIX}app-id`,
  address: `${PREFIX}address`,
  /** JSON array of actor types. */
  entities: `${PREFIX}entities`,
  /** JSON array of [sequence, topic]: the latest broadcasts of this host. */
  events: `${PREFIX}events`,
  /** On a claim: the member Lease of the holder, checked before taking the claim over. */
  memberLease: `${PREFIX}member-lease`,
  /** On a claim: the actor key, for people reading the object (the name is a hash). */
  actor: `${PREFIX}actor`,
} as const;
/** Broadcasts kept on a Lease for hosts whose watch lags behind. */
export const EVENTS_KEPT = 32;

const MAX_NAME = 253;

/**
 * The member Lease of this sidecar: `dapr-ts-actors-<pod name>`. Pod names are
 * unique in a namespace, so a restarted sidecar of the same pod takes its
 * predecessor's Lease over. Without a pod name (a sidecar outside a pod) the
 * name is made unique to this process instead.
 */
export function memberLeaseName(podName: string | undefined, hostName: string, selfId: string): string {
  if (podName) return fitName(`dapr-ts-actors-${podName}`);
  const host = hostName.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63) || "host";
  return fitName(`dapr-ts-actors-${host}-${digest(selfId).slice(0, 10)}`);
}

/** The claim Lease of an actor (`type||id`): a hash, since ids may hold any character. */
export function claimLeaseName(actorKey: string): string {
  return `dapr-ts-actor-${digest(actorKey).slice(0, 40)}`;
}

function fitName(name: string): string {
  return name.length <= MAX_NAME ? name : `${name.slice(0, MAX_NAME - 11)}-${digest(name).slice(0, 10)}`;
}

function digest(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** The member a Lease announces, or undefined when it carries no usable member info. */
export function hostOf(lease: V1Lease): HostInfo | undefined {
  const id = lease.spec?.holderIdentity;
  const a = lease.metadata?.annotations ?? {};
  const appId = a[ANNOTATIONS.appId];
  const address = a[ANNOTATIONS.address];
  if (!id || appId === undefined || !address) return undefined;
  let entities: string[] = [];
  try {
    const parsed: unknown = JSON.parse(a[ANNOTATIONS.entities] ?? "[]");
    if (Array.isArray(parsed)) entities = parsed.filter((e): e is string => typeof e === "string");
  } catch {
    // a hand-edited annotation: the host is still a member, hosting nothing
  }
  return { id, appId, address, entities };
}

/** The broadcasts a Lease carries, oldest first. */
export function eventsOf(lease: V1Lease): [number, string][] {
  try {
    const parsed: unknown = JSON.parse(lease.metadata?.annotations?.[ANNOTATIONS.events] ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((e): e is [number, string] => Array.isArray(e) && typeof e[0] === "number" && typeof e[1] === "string");
  } catch {
    return [];
  }
}

/** Appends topics (numbered after the last) and keeps the latest EVENTS_KEPT. */
export function appendEvents(existing: [number, string][], topics: string[]): [number, string][] {
  let seq = existing.length ? existing[existing.length - 1]![0] : 0;
  const out = [...existing, ...topics.map((t): [number, string] => [++seq, t])];
  return out.slice(-EVENTS_KEPT);
}

function durationMsOf(lease: V1Lease): number {
  const s = lease.spec?.leaseDurationSeconds;
  return typeof s === "number" && s > 0 ? s * 1000 : 0;
}

/** What must change for a Lease to count as renewed. */
function recordOf(lease: V1Lease): string {
  const s = lease.spec ?? {};
  const renew = s.renewTime ? new Date(s.renewTime as unknown as string).getTime() : 0;
  return `${s.holderIdentity ?? ""}|${renew}|${s.leaseDurationSeconds ?? ""}`;
}

export interface Observed {
  name: string;
  lease: V1Lease;
  /** Our monotonic clock when the record last changed. */
  seenAt: number;
}

/** The member Leases this host knows of, and when it saw each one renewed. */
export class LeaseObservations {
  private readonly seen = new Map<string, Observed & { record: string }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Records the Lease as read now; true when its record changed (or it is new). */
  observe(lease: V1Lease): boolean {
    const name = lease.metadata?.name ?? "";
    const record = recordOf(lease);
    const prev = this.seen.get(name);
    if (prev && prev.record === record) {
      prev.lease = lease; // annotations may change without a renewal
      return false;
    }
    this.seen.set(name, { name, lease, record, seenAt: this.now() });
    return true;
  }

  forget(name: string): void {
    this.seen.delete(name);
  }

  get(name: string): Observed | undefined {
    return this.seen.get(name);
  }

  /** Held, with a duration, and renewed (as we saw it) within that duration. */
  alive(name: string): boolean {
    const o = this.seen.get(name);
    if (!o?.lease.spec?.holderIdentity) return false;
    const d = durationMsOf(o.lease);
    return d > 0 && this.now() - o.seenAt < d;
  }

  /** How long a Lease has been past its expiry (0 while alive). */
  expiredForMs(name: string): number {
    const o = this.seen.get(name);
    if (!o) return 0;
    return Math.max(0, this.now() - o.seenAt - durationMsOf(o.lease));
  }

  all(): Observed[] {
    return [...this.seen.values()];
  }
}
