// Informers (list + watch caches from @kubernetes/client-node) that survive
// disconnects: client-node's informer reports a broken watch as an `error` and
// stops; the documented way to keep it alive is to start it again, which
// resumes from the last resourceVersion, or relists after `410 Gone`. Events
// only hand the object to `onEvent` (which enqueues a key): reconcilers read
// from the cache.
import { makeInformer, type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type ObjectCache } from "@kubernetes/client-node";
import type { Logger } from "../sidecar/log/logger.js";

export type Cache<T extends KubernetesObject> = ObjectCache<T>;

export interface ResilientInformer<T extends KubernetesObject> {
  cache: Cache<T>;
  /** Resolves once the first list is in the cache. */
  synced: Promise<void>;
  stop(): Promise<void>;
}

export interface InformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** The collection path, e.g. /apis/dapr.io/v1alpha1/components (all namespaces). */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** Called for adds, updates and deletes (the deleted object's last state). */
  onEvent: (obj: T) => void;
  logger: Logger;
  /** First restart delay after an error; doubles up to 5 s. Default 100 ms. */
  restartDelayMs?: number;
}

export function startInformer<T extends KubernetesObject>(opts: InformerOptions<T>): ResilientInformer<T> {
  const informer: Informer<T> & ObjectCache<T> = makeInformer<T>(opts.kc, opts.path, opts.list, opts.labelSelector);
  const base = opts.restartDelayMs ?? 100;
  let delay = base;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));

  for (const verb of ["add", "update", "delete"] as const) informer.on(verb, (obj) => opts.onEvent(obj));
  // client-node's start() resolves even when its list failed (it reports the
  // failure through `error`), so "synced" means: a start with no error.
  let failedSinceStart = false;
  let isSynced = false;
  let failuresBeforeSync = 0;
  const start = (): void => {
    if (stopped) return;
    failedSinceStart = false;
    informer.start().then(
      () => {
        if (failedSinceStart) return;
        delay = base; // a working connection resets the back-off
        isSynced = true;
        markSynced();
      },
      (err: unknown) => restart(err),
    );
  };
  const restart = (err: unknown): void => {
    failedSinceStart = true;
    if (stopped || timer) return;
    const error = err instanceof Error ? err.message : String(err);
    // Never synced (CRDs not installed, no RBAC, API unreachable): the operator stays unready, so say why now and then.
    if (!isSynced && failuresBeforeSync++ % 10 === 0) opts.logger.warn("cannot list; not ready until this works", { path: opts.path, error });
    else opts.logger.debug("watch interrupted; restarting", { path: opts.path, error, delayMs: delay });
    timer = setTimeout(() => {
      timer = undefined;
      start();
    }, delay);
    delay = Math.min(delay * 2, 5000);
  };
  informer.on("error", restart);
  start();

  return {
    cache: informer,
    synced,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await informer.stop();
    },
  };
}
