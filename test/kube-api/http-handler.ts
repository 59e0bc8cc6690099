// The HTTP face of the double: routes Kubernetes REST paths to the API core,
// discovery and watches, and turns KubeErrors into Status responses.
import type { IncomingMessage, ServerResponse } from "node:http";
import { coreVersions, group, groupList, resourceList, versionInfo } from "./discovery.js";
import { send } from "./http-io.js";
import { groupVersionDocument, openApiRoot } from "./openapi.js";
import type { KubeApiCore } from "./api-core.js";
import { createResourceRoutes, splitApiPath } from "./resource-routes.js";
import { KubeError, statusErrors } from "./status.js";
import type { WatchHub } from "./watch-stream.js";

export interface HandlerDeps {
  core: KubeApiCore;
  watches: WatchHub;
  /** host:port clients reach us at (for /api's serverAddressByClientCIDRs). */
  serverAddress: () => string;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Observes every request (for tests that check what clients ask). */
  onRequest?: (method: string, url: string, headers: IncomingMessage["headers"]) => void;
}

export function createRequestHandler(deps: HandlerDeps) {
  const { core, watches } = deps;
  const handleResource = createResourceRoutes(core, watches);

  async function handleDiscovery(pathname: string, res: ServerResponse): Promise<void> {
    const segs = pathname.split("/").filter(Boolean);
    if (pathname === "/api" || pathname === "/api/") return send(res, 200, coreVersions(deps.serverAddress()));
    if (pathname === "/apis" || pathname === "/apis/") return send(res, 200, groupList(core.registry));
    if (segs[0] === "api" && segs.length === 2) {
      const list = resourceList(core.registry, "", segs[1]!);
      return list ? send(res, 200, list) : send(res, 404, statusErrors.pathNotFound().toStatus());
    }
    if (segs[0] === "apis" && segs.length === 2) {
      const g = group(core.registry, segs[1]!);
      return g ? send(res, 200, g) : send(res, 404, statusErrors.pathNotFound().toStatus());
    }
    if (segs[0] === "apis" && segs.length === 3) {
      const list = resourceList(core.registry, segs[1]!, segs[2]!);
      return list ? send(res, 200, list) : send(res, 404, statusErrors.pathNotFound().toStatus());
    }
    send(res, 404, statusErrors.pathNotFound().toStatus());
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      deps.onRequest?.(req.method ?? "GET", req.url ?? "/", req.headers);
      if (deps.token && req.headers.authorization !== `Bearer ${deps.token}`) {
        throw new KubeError(401, "Unauthorized", "Unauthorized");
      }
      const url = new URL(req.url ?? "/", "http://double");
      const pathname = url.pathname.replace(/\/+$/, "") || "/";
      if (pathname === "/version") return send(res, 200, versionInfo());
      if (pathname === "/healthz" || pathname === "/livez" || pathname === "/readyz") {
        res.writeHead(200, { "content-type": "text/plain" });
        return void res.end("ok");
      }
      if (pathname === "/openapi/v3") return send(res, 200, openApiRoot(core.registry));
      if (pathname.startsWith("/openapi/v3/")) {
        const segs = pathname.split("/").filter(Boolean).slice(2);
        const doc = segs[0] === "api" && segs.length === 2 ? groupVersionDocument(core.registry, "", segs[1]!)
          : segs[0] === "apis" && segs.length === 3 ? groupVersionDocument(core.registry, segs[1]!, segs[2]!) : undefined;
        return doc ? send(res, 200, doc) : send(res, 404, statusErrors.pathNotFound().toStatus());
      }
      const parsed = splitApiPath(pathname);
      if (parsed === "discovery") return await handleDiscovery(pathname, res);
      if (!parsed) throw statusErrors.pathNotFound();
      await handleResource(req, res, url, parsed);
    } catch (e) {
      const err = e instanceof KubeError ? e : statusErrors.internal((e as Error)?.message ?? String(e));
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, err.code, err.toStatus());
    }
  };
}
