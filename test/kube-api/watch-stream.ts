// Watch responses: newline-delimited JSON events on a chunked HTTP response,
// resumed from a resourceVersion out of the store's bounded history, with
// BOOKMARK events, 410 Gone as an ERROR event, timeoutSeconds, and a registry
// of open streams so tests can cut them all (fault injection).
import type { ServerResponse } from "node:http";
import { resourceKey, type KubeApiCore, type Target } from "./api-core.js";
import type { KubeObject, StoreEvent } from "./object-store.js";
import { apiVersionOf } from "./resource-types.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { toTable } from "./table.js";

export interface WatchParams {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number;
  /** Set (to the includeObject policy) when the client asked for Tables: each event then carries a one-row Table (`kubectl get -w`). */
  asTable?: string;
}

export class WatchHub {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly core: KubeApiCore, private readonly bookmarkIntervalMs: number) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Kills every open watch connection abruptly, as a network failure or server restart would. */
  dropAll(): number {
    const n = this.open.size;
    for (const res of this.open) res.socket?.destroy();
    this.open.clear();
    return n;
  }

  /** Ends every open watch cleanly, as the server does when timeoutSeconds runs out. */
  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }

  serve(target: Target, params: WatchParams, res: ServerResponse): void {
    const t = target.type;
    const key = resourceKey(t);
    const byLabels = parseLabelSelector(params.labelSelector);
    const byFields = parseFieldSelector(params.fieldSelector);
    const matches = (e: { resource: string; namespace: string; object: KubeObject }) =>
      e.resource === key &&
      (!t.namespaced || !target.namespace || e.namespace === target.namespace) &&
      byLabels(e.object.metadata.labels ?? {}) &&
      byFields(e.object);
    const present = (o: KubeObject): unknown => {
      const obj = this.core.present(o, t, target.version);
      return params.asTable === undefined ? obj : toTable(t, target.version, [obj], obj.metadata.resourceVersion ?? "", params.asTable);
    };

    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
    res.flushHeaders();
    this.open.add(res);
    let lastRv = this.core.store.currentRv;
    const send = (type: string, object: unknown) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };

    const rvParam = params.resourceVersion;
    let backlog: StoreEvent[] = [];
    if (rvParam === undefined || rvParam === "" || rvParam === "0") {
      // "From now": synthetic ADDED events for what exists, then live changes.
      for (const o of this.core.store.list(key, t.namespaced && target.namespace ? target.namespace : undefined)) {
        if (matches({ resource: key, namespace: o.metadata.namespace ?? "", object: o })) send("ADDED", present(o));
      }
    } else {
      const from = Number(rvParam);
      const events = Number.isFinite(from) ? this.core.store.eventsSince(from) : "gone";
      if (events === "gone") {
        const oldest = this.core.store.oldestWatchableRv;
        send("ERROR", {
          kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
          message: `too old resource version: ${rvParam} (${oldest})`, reason: "Expired", code: 410,
        });
        this.finish(res);
        return;
      }
      backlog = events;
      lastRv = Math.max(from, 0);
    }
    for (const e of backlog) {
      if (matches(e)) send(e.type, present(e.object));
      lastRv = e.rv;
    }
    const unsubscribe = this.core.store.subscribe((e) => {
      if (e.rv <= lastRv) return;
      lastRv = e.rv;
      if (matches(e)) send(e.type, present(e.object));
    });
    const timers: NodeJS.Timeout[] = [];
    if (params.allowWatchBookmarks) {
      const bookmark = () => send("BOOKMARK", { kind: t.kind, apiVersion: apiVersionOf(t.group, target.version), metadata: { resourceVersion: String(this.core.store.currentRv) } });
      timers.push(setInterval(bookmark, this.bookmarkIntervalMs));
    }
    if (params.timeoutSeconds !== undefined && params.timeoutSeconds > 0) {
      timers.push(setTimeout(() => this.finish(res), params.timeoutSeconds * 1000));
    }
    res.on("close", () => {
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      this.open.delete(res);
    });
  }

  private finish(res: ServerResponse): void {
    this.open.delete(res);
    res.end();
  }
}
