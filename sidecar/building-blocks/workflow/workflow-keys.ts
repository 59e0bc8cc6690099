// The key layout in the actor state store. Instance keys mirror Dapr's actor
// state for workflows: `<appId>||dapr.internal.<ns>.<appId>.workflow||<instanceId>||<key>`
// with `metadata` and `history-NNNNNN` keys. Two key families are ours: the
// active-instance index (partitioned so concurrent starts rarely contend) and
// one heartbeat per sidecar host (its ownership lease).
import { createHash } from "node:crypto";

export const INDEX_PARTITIONS = 16;

export class WorkflowKeys {
  private readonly base: string;

  constructor(readonly appId: string, readonly namespace: string) {
    this.base = `${appId}||dapr.internal.${namespace}.${appId}`;
  }

  metadata(instanceId: string): string {
    return `${this.base}.workflow||${instanceId}||metadata`;
  }

  history(instanceId: string, index: number): string {
    return `${this.base}.workflow||${instanceId}||history-${String(index).padStart(6, "0")}`;
  }

  indexPartition(p: number): string {
    return `${this.base}.workflow-index||${p}||active`;
  }

  heartbeat(hostId: string): string {
    return `${this.base}.workflow-hosts||${hostId}||heartbeat`;
  }

  static partitionOf(instanceId: string): number {
    return createHash("sha1").update(instanceId).digest()[0]! % INDEX_PARTITIONS;
  }
}
