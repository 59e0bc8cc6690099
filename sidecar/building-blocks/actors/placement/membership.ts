// Who hosts which actor types, and who holds each live activation. A backend
// coordinates through an engine that already provides atomicity (Redis, or this
// process alone); there is no consensus protocol of our own here.
export interface HostInfo {
  /** Unique per sidecar process (`appId/uuid`). */
  id: string;
  appId: string;
  /** `host:port` of the sidecar's internal gRPC server. */
  address: string;
  /** Actor types the app behind this sidecar hosts. */
  entities: string[];
}

export interface Membership {
  /** Shown in the metadata API (`actorRuntime.placement`). */
  readonly description: string;
  /** Joins (or re-joins with new entities); resolves once this host is a member. */
  join(self: HostInfo): Promise<void>;
  /** Leaves: other hosts may then claim this host's actors at once. */
  leave(): Promise<void>;
  /** The live members, this host included once joined. */
  hosts(): HostInfo[];
  /** Increases whenever the member set changes. */
  version(): number;
  /** Called after every change of `hosts()`. */
  onChange(fn: () => void): void;
  /** Called when this host lost its membership (missed heartbeats): its claims are void. */
  onFenced(fn: () => void): void;
  /** False while this host cannot prove it is still a member: it must not run actor calls. */
  healthy(): boolean;
  /**
   * Records this host as the one activation of `actorKey`. Resolves undefined on
   * success, or the id of the live host that holds it.
   */
  claim(actorKey: string): Promise<string | undefined>;
  /** Drops this host's claim (no-op when another host holds it). */
  release(actorKey: string): Promise<void>;
  /** Tells every member (this one included) that something named `topic` changed. */
  broadcast(topic: string): Promise<void>;
  onBroadcast(fn: (topic: string) => void): void;
  close(): Promise<void>;
}
