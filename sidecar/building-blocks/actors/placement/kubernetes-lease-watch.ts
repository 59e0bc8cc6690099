// List+watch of the member Leases of a namespace (by label). The watch resumes
// from the last resourceVersion it saw (from an event or a BOOKMARK), so a
// dropped connection loses nothing; when the server no longer has that
// version (410 Gone: compaction, or an API server restart) it lists again and
// reports the difference, deletions included, as the real informers do.
import { Watch, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { Logger } from "../../../log/logger.js";
import { backoffMs, sleep } from "../../../kubernetes/retry.js";
import { stoppableWatchConfig, type StoppableWatchConfig } from "../../../kubernetes/stoppable-watch-config.js";
import type { LeaseApi } from "./kubernetes-lease-api.js";

export interface LeaseWatchHandler {
  upsert(lease: V1Lease): void;
  remove(name: string): void;
}

type WatchEnd = "gone" | "failed" | "closed";

export class LeaseWatch {
  private readonly watchConfig: StoppableWatchConfig;
  private readonly stopped = new AbortController();
  private readonly known = new Set<string>();
  private rv = "";
  private loop: Promise<void> | undefined;
  private current: AbortController | undefined;
  /** How many times a 410 made us list again (tests, diagnostics). */
  relists = 0;

  constructor(
    kc: KubeConfig,
    private readonly api: LeaseApi,
    private readonly labelSelector: string,
    private readonly handler: LeaseWatchHandler,
    private readonly logger: Logger,
  ) {
    this.watchConfig = stoppableWatchConfig(kc);
  }

  /** Lists once (throws when the API server cannot be reached), then keeps watching until stop(). */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.list();
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    this.current?.abort();
    this.watchConfig.close();
    await this.loop;
  }

  private async list(): Promise<void> {
    const { items, resourceVersion } = await this.api.list(this.labelSelector);
    const names = new Set(items.map((l) => l.metadata?.name ?? ""));
    for (const name of [...this.known]) {
      if (!names.has(name)) {
        this.known.delete(name);
        this.handler.remove(name);
      }
    }
    for (const lease of items) {
      this.known.add(lease.metadata?.name ?? "");
      this.handler.upsert(lease);
    }
    this.rv = resourceVersion;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      const opened = performance.now();
      const end = await this.watchOnce();
      if (this.stopped.signal.aborted) return;
      // The server ended the watch (its timeout): resume at once, unless it keeps ending them right away.
      if (end === "closed" && performance.now() - opened > 1000) {
        failures = 0;
        continue;
      }
      if (end === "gone") {
        try {
          this.relists++;
          await this.list();
          failures = 0;
          continue;
        } catch (err) {
          this.logger.warn("listing placement members failed; retrying", { error: (err as Error).message });
          this.rv = ""; // nothing to resume from: the next attempt lists again
        }
      }
      await sleep(backoffMs(failures++, 50, 2_000), this.stopped.signal);
      if (this.rv === "" && !this.stopped.signal.aborted) {
        await this.list().catch((err: Error) => this.logger.debug("listing placement members failed", { error: err.message }));
      }
    }
  }

  /** One watch request, from the last resourceVersion; resolves when it ends. */
  private watchOnce(): Promise<WatchEnd> {
    if (this.rv === "") return Promise.resolve("failed");
    return new Promise<WatchEnd>((resolve) => {
      let gone = false;
      const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.api.namespace)}/leases`;
      const params = { labelSelector: this.labelSelector, resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds: 300 };
      const onEvent = (type: string, obj: V1Lease & { code?: number }) => {
        const name = obj?.metadata?.name ?? "";
        const rv = obj?.metadata?.resourceVersion;
        switch (type) {
          case "ADDED":
          case "MODIFIED":
            this.known.add(name);
            this.handler.upsert(obj);
            break;
          case "DELETED":
            this.known.delete(name);
            this.handler.remove(name);
            break;
          case "BOOKMARK":
            break;
          case "ERROR":
            if (obj.code === 410) gone = true;
            else this.logger.warn("placement watch error", { error: JSON.stringify(obj) });
            return;
          default:
            return;
        }
        if (rv) this.rv = rv;
      };
      const onDone = (err: unknown) => {
        this.current = undefined;
        // 410 comes as an ERROR event, or (before any event) as the response status.
        if (gone || (err as { statusCode?: number } | null)?.statusCode === 410) return resolve("gone");
        if (err) {
          if (!this.stopped.signal.aborted) this.logger.debug("placement watch ended", { error: (err as Error)?.message ?? String(err) });
          return resolve("failed");
        }
        resolve("closed");
      };
      new Watch(this.watchConfig.config).watch(path, params, onEvent, onDone).then(
        (ctrl) => {
          if (this.stopped.signal.aborted) ctrl.abort();
          else this.current = ctrl;
        },
        (err: unknown) => onDone(err ?? new Error("watch failed")),
      );
    });
  }
}
