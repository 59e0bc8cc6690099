// While the API server cannot be reached at start-up, the sidecar has no
// resources yet and so no building blocks to serve; Kubernetes probes (public
// port) and SDKs waiting for the sidecar (HTTP port) must still get a clear
// "not ready" rather than a refused connection. This stand-in answers the
// health endpoints only, and is closed before the real servers open.
import express from "express";
import { registerHealthHttp } from "../building-blocks/health/health-http.js";
import { closeGracefully, listenHttp, type Listening } from "../runtime/servers.js";

export interface NotReadyServer {
  close(): Promise<void>;
}

export async function startNotReadyServer(appId: string, endpoints: { port: number; address: string }[], reason: () => string): Promise<NotReadyServer> {
  const app = express();
  const router = express.Router();
  registerHealthHttp(router, { appId, notReadyReason: reason, outboundNotReadyReason: reason });
  app.use(router);
  const open: Listening[] = [];
  for (const e of endpoints) {
    // A port that cannot be bound now is not worth failing start-up for: the real server reports it.
    try {
      open.push(await listenHttp(app, e.port, e.address));
    } catch {
      // ignored on purpose
    }
  }
  return {
    async close() {
      await Promise.all(open.map((l) => {
        l.server.closeAllConnections();
        return closeGracefully(l.server, 0);
      }));
    },
  };
}
