// The client-node informer reconnects its watch by itself (after the server
// ends it), and a stop() that arrives while such a reconnect is awaiting its
// response leaves the new watch open for good. The informer's Watch is
// therefore given this view of the KubeConfig: it tracks the sockets the
// watch requests open and, once closed, destroys them and any opened later,
// so a stopped watcher never keeps a connection to the API server.
import type { Agent } from "node:http";
import type { Socket } from "node:net";
import type { KubeConfig } from "@kubernetes/client-node";

export interface StoppableWatchConfig {
  /** Pass to makeInformer in place of the KubeConfig (only its Watch uses it). */
  config: KubeConfig;
  close(): void;
}

export function stoppableWatchConfig(kc: KubeConfig): StoppableWatchConfig {
  let closed = false;
  const sockets = new Set<Socket>();
  const patched = new WeakSet<object>();
  const gate = (agent: unknown) => {
    if (!agent || typeof agent !== "object" || patched.has(agent)) return;
    patched.add(agent);
    const a = agent as Agent & { createConnection(...args: unknown[]): Socket };
    const create = a.createConnection.bind(a);
    a.createConnection = (...args: unknown[]) => {
      const socket = create(...args);
      if (closed) socket.destroy();
      else {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
      }
      return socket;
    };
  };
  const view = {
    getCurrentCluster: () => kc.getCurrentCluster(),
    applyToFetchOptions: async (opts: object) => {
      const out = await kc.applyToFetchOptions(opts as never);
      gate((out as { agent?: unknown }).agent);
      return out;
    },
  };
  return {
    config: view as unknown as KubeConfig,
    close() {
      closed = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}
