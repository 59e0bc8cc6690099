// In-memory object storage with one global resourceVersion counter (as etcd's
// revision is for the real server) and a bounded history of change events,
// from which watches resume and beyond which they get 410 Gone.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  /** "group/plural", the resource the object belongs to. */
  resource: string;
  namespace: string;
  rv: number;
  object: KubeObject;
}

export type StoreListener = (e: StoreEvent) => void;

export function clone<T>(v: T): T {
  return structuredClone(v);
}

function keyOf(resource: string, namespace: string, name: string): string {
  return `${resource}|${namespace}|${name}`;
}

export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>(); // resource -> key -> object
  private readonly history: StoreEvent[] = [];
  private rv = 0;
  /** Highest rv dropped from history: a watch from an older rv cannot be served. */
  private compactedRv = 0;
  private readonly listeners = new Set<StoreListener>();

  constructor(private readonly historySize: number) {}

  get currentRv(): number {
    return this.rv;
  }

  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    const o = this.objects.get(resource)?.get(keyOf(resource, namespace, name));
    return o && clone(o);
  }

  /** All objects of a resource, in one namespace or all of them (namespace undefined). */
  list(resource: string, namespace?: string, filter: (o: Readonly<KubeObject>) => boolean = () => true): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.scan(resource, namespace)) if (filter(o)) out.push(clone(o));
    const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  /**
   * The stored objects themselves, unsorted and NOT copied: for read-only
   * scans inside the double (garbage collection, filtered lists) that would
   * otherwise copy every object on every call. Never mutate what this yields.
   */
  *scan(resource: string, namespace?: string): IterableIterator<Readonly<KubeObject>> {
    for (const o of this.objects.get(resource)?.values() ?? []) {
      if (namespace === undefined || (o.metadata.namespace ?? "") === namespace) yield o;
    }
  }

  resources(): string[] {
    return [...this.objects.keys()];
  }

  /** Stores `obj` (adding or replacing), stamping a fresh resourceVersion. Returns the stored copy. */
  put(resource: string, obj: KubeObject): KubeObject {
    const ns = obj.metadata.namespace ?? "";
    const name = obj.metadata.name ?? "";
    let bucket = this.objects.get(resource);
    if (!bucket) this.objects.set(resource, (bucket = new Map()));
    const key = keyOf(resource, ns, name);
    const type: WatchEventType = bucket.has(key) ? "MODIFIED" : "ADDED";
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    bucket.set(key, stored);
    this.record({ type, resource, namespace: ns, rv: this.rv, object: stored });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries the deletion's resourceVersion, as the real server's does. */
  remove(resource: string, namespace: string, name: string): KubeObject | undefined {
    const bucket = this.objects.get(resource);
    const key = keyOf(resource, namespace, name);
    const existing = bucket?.get(key);
    if (!bucket || !existing) return undefined;
    bucket.delete(key);
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record({ type: "DELETED", resource, namespace, rv: this.rv, object: gone });
    return clone(gone);
  }

  /**
   * Events after `rv`, or "gone" when history no longer reaches back that far.
   * An rv in the future yields nothing (the watch waits for it).
   */
  eventsSince(rv: number): StoreEvent[] | "gone" {
    if (rv < this.compactedRv) return "gone";
    return this.history.filter((e) => e.rv > rv);
  }

  /** Forgets the whole change history (as a restarted API server's empty watch cache): older watches get 410. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  /** Oldest resourceVersion a watch can still start from. */
  get oldestWatchableRv(): number {
    return this.compactedRv;
  }

  subscribe(l: StoreListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private record(e: StoreEvent): void {
    this.history.push(e);
    while (this.history.length > this.historySize) this.compactedRv = this.history.shift()!.rv;
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A misbehaving listener must not break writes.
      }
    }
  }
}
