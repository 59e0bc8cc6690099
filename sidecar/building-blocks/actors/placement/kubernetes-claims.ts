// Activation claims as Lease objects: one Lease per active actor, named after
// a hash of its key and held by the host running it. The API server's
// create (AlreadyExists) and resourceVersion-guarded replace (Conflict) make
// every claim atomic, so of two hosts racing for an actor exactly one wins.
//
// A claim held by another host is taken over only when that host is dead:
// its member Lease is gone, held by a newer process of its pod, or not
// renewed (as this host saw it, on a fresh read) for its lease duration. The
// holder fences itself before that point, so it has stopped running the actor.
import { V1MicroTime, type V1Lease } from "@kubernetes/client-node";
import type { LeaseApi } from "./kubernetes-lease-api.js";
import { ANNOTATIONS, CLAIM_LABEL, claimLeaseName } from "./kubernetes-lease-view.js";

export interface ClaimOwner {
  /** This host's id and member Lease, or undefined when it is not a member. */
  self(): { id: string; memberLease: string } | undefined;
  /** Is `holder`, announced on member Lease `memberLease`, still alive? Reads the API server. */
  alive(holder: string, memberLease: string | undefined): Promise<boolean>;
}

export class LeaseClaims {
  constructor(private readonly api: LeaseApi, private readonly owner: ClaimOwner) {}

  /** Undefined when this host now holds the claim; else the live holder's id. */
  async claim(actorKey: string): Promise<string | undefined> {
    const name = claimLeaseName(actorKey);
    let holder: string | undefined;
    // A lost race means someone else wrote in between: look again, a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const self = this.requireSelf();
      const created = await this.api.create(this.body(name, actorKey, self));
      if (created !== "exists") return undefined;
      const cur = await this.api.get(name);
      if (!cur) continue; // released in between: create again
      holder = cur.spec?.holderIdentity || undefined;
      if (holder === self.id) return undefined;
      if (holder && (await this.owner.alive(holder, cur.metadata?.annotations?.[ANNOTATIONS.memberLease]))) return holder;
      const taken = await this.api.replace(this.takeOver(cur, actorKey, self));
      if (taken !== "conflict" && taken !== "gone") return undefined;
    }
    // Still contended after several tries: report the last holder; the caller waits and routes again.
    return holder ?? "(contended)";
  }

  /** Deletes the claim if this host holds it. */
  async release(actorKey: string): Promise<void> {
    const self = this.owner.self();
    if (!self) return;
    const cur = await this.api.get(claimLeaseName(actorKey));
    if (cur?.spec?.holderIdentity !== self.id) return;
    await this.api.delete(cur.metadata!.name!, cur.metadata?.resourceVersion);
  }

  private requireSelf(): { id: string; memberLease: string } {
    const self = this.owner.self();
    if (!self) throw new Error("this host is not a placement member");
    return self;
  }

  private body(name: string, actorKey: string, self: { id: string; memberLease: string }): V1Lease {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name,
        labels: { [CLAIM_LABEL]: "true" },
        annotations: { [ANNOTATIONS.memberLease]: self.memberLease, [ANNOTATIONS.actor]: actorKey },
      },
      spec: { holderIdentity: self.id, acquireTime: new V1MicroTime(), leaseTransitions: 0 },
    };
  }

  private takeOver(cur: V1Lease, actorKey: string, self: { id: string; memberLease: string }): V1Lease {
    const fresh = this.body(cur.metadata!.name!, actorKey, self);
    return {
      ...fresh,
      metadata: { ...fresh.metadata, resourceVersion: cur.metadata?.resourceVersion },
      spec: { ...fresh.spec, leaseTransitions: (cur.spec?.leaseTransitions ?? 0) + 1 },
    };
  }
}
