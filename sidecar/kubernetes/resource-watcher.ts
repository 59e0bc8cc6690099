// List+watch of the dapr.io kinds in the sidecar's namespace, with the
// @kubernetes/client-node informer. The informer resumes a dropped watch from
// the last resourceVersion it saw (no event lost) and relists on 410 Gone,
// announcing the difference as add/update/delete; what it does not do is
// restart itself after an error, so that is done here, with back-off.
//
// `synced()` resolves once every kind has been listed; until then nothing is
// dispatched (the snapshot taken at that moment covers it), afterwards every
// change is handed to the listener.
import { CustomObjectsApi, makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache } from "@kubernetes/client-node";
import type { Logger } from "../log/logger.js";
import { collectionPath, watchedKinds, type WatchedKind } from "./dapr-kinds.js";
import { backoffMs, sleep } from "./retry.js";
import { stoppableWatchConfig } from "./stoppable-watch-config.js";

export type ChangeType = "add" | "update" | "delete";

export type ChangeListener = (kind: WatchedKind, type: ChangeType, obj: KubernetesObject) => void;

interface KindWatch {
  kind: WatchedKind;
  informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  synced: boolean;
  errors: number;
  lastError?: string;
  restarting: boolean;
  /** An error arrived while restarting: check again once that restart is done. */
  again: boolean;
}

export class ResourceWatcher {
  private readonly watches: KindWatch[] = [];
  private readonly stopped = new AbortController();
  private readonly watchConfig;
  private listener?: ChangeListener;
  // Changes after the sync but before a listener is attached (while the
  // initial components initialise) wait here rather than being lost.
  private pending: [WatchedKind, ChangeType, KubernetesObject][] = [];
  private allSynced = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly kinds: WatchedKind[] = ["Component", "Subscription", "Resiliency"],
  ) {
    this.watchConfig = stoppableWatchConfig(kc);
  }

  /** Receives every change after `synced()`; one listener. */
  onChange(fn: ChangeListener): void {
    this.listener = fn;
    for (const [kind, type, obj] of this.pending.splice(0)) fn(kind, type, obj);
  }

  /**
   * Starts the informers and resolves once each kind was listed, retrying
   * with back-off while the API server is unreachable (or the CRDs are not
   * installed yet). Rejects only when `signal` aborts or `stop()` is called.
   */
  async synced(signal?: AbortSignal, onRetry?: (why: string) => void): Promise<void> {
    const api = this.kc.makeApiClient(CustomObjectsApi);
    for (const kind of this.kinds) {
      const k = watchedKinds[kind];
      // The informer relists by itself (after 410 Gone); a stopped watcher must not.
      const list = () => this.stopped.signal.aborted
        ? Promise.reject(new Error("watcher stopped"))
        : api.listNamespacedCustomObject({ group: k.group, version: k.version, namespace: this.namespace, plural: k.plural });
      const informer = makeInformer<KubernetesObject>(this.watchConfig.config, collectionPath(k, this.namespace), list);
      const w: KindWatch = { kind, informer, synced: false, errors: 0, restarting: false, again: false };
      informer.on("error", (err: unknown) => {
        w.errors++;
        w.lastError = describe(err);
        if (w.synced) void this.restart(w);
      });
      for (const type of ["add", "update", "delete"] as const) {
        informer.on(type, (obj: KubernetesObject) => {
          if (!this.allSynced) return;
          if (this.listener) this.listener(kind, type, obj);
          else this.pending.push([kind, type, obj]);
        });
      }
      this.watches.push(w);
    }
    const aborted = () => signal?.aborted || this.stopped.signal.aborted;
    await Promise.all(this.watches.map(async (w) => {
      for (let attempt = 0; !aborted(); attempt++) {
        const before = w.errors;
        await w.informer.start();
        // start() may have opened a watch after stop() was called: close it again.
        if (aborted()) return void (await w.informer.stop());
        if (w.errors === before && resourceVersionOf(w.informer) !== "") {
          w.synced = true;
          return;
        }
        await w.informer.stop();
        const why = `cannot list ${w.kind} resources in namespace ${this.namespace}: ${w.lastError ?? "no resourceVersion"}`;
        onRetry?.(why);
        await sleep(backoffMs(attempt), anySignal(signal, this.stopped.signal));
      }
    }));
    if (aborted()) throw new Error("stopped before the resources were loaded");
    this.allSynced = true;
  }

  /** What the informers hold now, by kind. */
  list(kind: WatchedKind): readonly KubernetesObject[] {
    return this.watches.find((w) => w.kind === kind)?.informer.list() ?? [];
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    this.watchConfig.close();
    await Promise.allSettled(this.watches.map((w) => w.informer.stop()));
  }

  /** Restarts a kind's informer after its watch failed: from the last resourceVersion, or a relist after 410. */
  private async restart(w: KindWatch): Promise<void> {
    if (w.restarting) {
      w.again = true;
      return;
    }
    w.restarting = true;
    try {
      for (let attempt = 0; !this.stopped.signal.aborted; attempt++) {
        this.logger.warn("watch failed; reconnecting", { kind: w.kind, error: w.lastError, attempt });
        if (!(await sleep(backoffMs(attempt, 50), this.stopped.signal))) return;
        const before = w.errors;
        w.again = false;
        await w.informer.start();
        if (this.stopped.signal.aborted) return void (await w.informer.stop());
        if (w.errors === before) return;
      }
    } finally {
      w.restarting = false;
    }
    if (w.again) void this.restart(w);
  }
}

/** The informer is a ListWatch; its type hides the resourceVersion it has reached (empty until listed). */
function resourceVersionOf(informer: object): string {
  return (informer as { latestResourceVersion(): string }).latestResourceVersion();
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => !!s));
}
