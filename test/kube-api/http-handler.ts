// The HTTP face of the double: routes Kubernetes REST paths to the API core,
// discovery and watches, and turns KubeErrors into Status responses.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import type { KubeApiCore, Target } from "./api-core.js";
import { coreVersions, group, groupList, resourceList, versionInfo } from "./discovery.js";
import type { KubeObject } from "./object-store.js";
import { groupVersionDocument, openApiRoot } from "./openapi.js";
import { patchKindOf } from "./patch.js";
import { decodeProtobufObject, isProtobuf } from "./protobuf-body.js";
import { apiVersionOf } from "./resource-types.js";
import { getScale, writeScale } from "./scale-subresource.js";
import { KubeError, statusErrors } from "./status.js";
import { toTable, wantsTable } from "./table.js";
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

const maxBodyBytes = 8 * 1024 * 1024;

async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBodyBytes) throw new KubeError(413, "RequestEntityTooLarge", "the request body is too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseObjectBody(raw: Buffer, contentType: string | undefined): KubeObject {
  if (isProtobuf(contentType)) return decodeProtobufObject(raw);
  const text = raw.toString("utf8");
  if (!text.trim()) throw statusErrors.badRequest("the request body was empty");
  try {
    const ct = (contentType ?? "").toLowerCase();
    return (ct.includes("yaml") ? parseYaml(text) : JSON.parse(text)) as KubeObject;
  } catch (e) {
    throw statusErrors.badRequest(`the object provided is unrecognized (must be of type JSON): ${(e as Error).message}`);
  }
}

function send(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { "content-type": "application/json", "cache-control": "no-cache, private" };
  // kubectl prints each as "Warning: <text>".
  if (warnings.length > 0) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

interface ParsedPath {
  group: string;
  version: string;
  rest: string[];
}

function splitApiPath(pathname: string): ParsedPath | "discovery" | undefined {
  const segs = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (segs[0] === "api" && segs[1] === "v1" && segs.length > 2) return { group: "", version: "v1", rest: segs.slice(2) };
  if (segs[0] === "apis" && segs.length > 3) return { group: segs[1]!, version: segs[2]!, rest: segs.slice(3) };
  return segs[0] === "api" || segs[0] === "apis" ? "discovery" : undefined;
}

export function createRequestHandler(deps: HandlerDeps) {
  const { core, watches } = deps;

  function resolveTarget(p: ParsedPath): Target {
    const segs = p.rest;
    let namespace = "";
    let rest = segs;
    const isNamespaceSubresource = p.group === "" && segs[0] === "namespaces" && segs.length === 3 && (segs[2] === "status" || segs[2] === "finalize");
    if (segs[0] === "namespaces" && segs.length >= 3 && !isNamespaceSubresource) {
      namespace = segs[1]!;
      rest = segs.slice(2);
    }
    if (rest.length > 3) throw statusErrors.pathNotFound();
    const [plural, name, subresource] = rest;
    const type = core.registry.find(p.group, p.version, plural!);
    if (!type || (namespace && !type.namespaced)) throw statusErrors.pathNotFound();
    const subresourceServed = subresource === undefined || (subresource === "status" && type.statusSubresource) || (subresource === "scale" && type.scaleSubresource);
    if (!subresourceServed) throw statusErrors.pathNotFound();
    return { type, version: p.version, namespace, name, subresource };
  }

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

  async function handleResource(req: IncomingMessage, res: ServerResponse, url: URL, p: ParsedPath): Promise<void> {
    const target = resolveTarget(p);
    const q = url.searchParams;
    const method = req.method ?? "GET";
    const dryRun = q.getAll("dryRun").includes("All");
    const fv = q.get("fieldValidation");
    const fieldValidation = fv === "Strict" || fv === "Ignore" ? fv : "Warn";
    const t = target.type;
    const listKind = `${t.kind}List`;
    if (target.subresource === "scale") {
      if (!t.scaleSubresource || !target.name) throw statusErrors.pathNotFound();
      if (method === "GET") return send(res, 200, getScale(core, target));
      const raw = await readRawBody(req);
      const text = raw.toString("utf8");
      if (method === "PUT") {
        const r = await writeScale(core, target, { scale: parseObjectBody(raw, req.headers["content-type"]) }, dryRun);
        return send(res, 200, r.object, r.warnings);
      }
      if (method === "PATCH") {
        const r = await writeScale(core, target, { kind: patchKindOf(req.headers["content-type"]), body: text }, dryRun);
        return send(res, 200, r.object, r.warnings);
      }
      throw statusErrors.methodNotAllowed();
    }
    if (method === "GET") {
      if (target.name) {
        const obj = core.get(target);
        if (wantsTable(req.headers.accept)) return send(res, 200, toTable(t, target.version, [obj], obj.metadata.resourceVersion ?? "", q.get("includeObject") ?? undefined));
        return send(res, 200, obj);
      }
      if (q.get("watch") === "true" || q.get("watch") === "1") {
        const timeout = q.get("timeoutSeconds");
        watches.serve(target, {
          resourceVersion: q.get("resourceVersion") ?? undefined,
          labelSelector: q.get("labelSelector") ?? undefined,
          fieldSelector: q.get("fieldSelector") ?? undefined,
          allowWatchBookmarks: q.get("allowWatchBookmarks") === "true",
          timeoutSeconds: timeout ? Number(timeout) : undefined,
          asTable: wantsTable(req.headers.accept) ? (q.get("includeObject") ?? "Metadata") : undefined,
        }, res);
        return;
      }
      const { items, resourceVersion } = core.list(target, q.get("labelSelector") ?? undefined, q.get("fieldSelector") ?? undefined);
      if (wantsTable(req.headers.accept)) return send(res, 200, toTable(t, target.version, items, resourceVersion, q.get("includeObject") ?? undefined));
      return send(res, 200, { kind: listKind, apiVersion: apiVersionOf(t.group, target.version), metadata: { resourceVersion }, items });
    }
    const raw = await readRawBody(req);
    const text = raw.toString("utf8");
    if (method === "POST") {
      if (target.name) throw statusErrors.methodNotAllowed();
      const r = await core.create(target, parseObjectBody(raw, req.headers["content-type"]), { dryRun, fieldValidation });
      return send(res, 201, r.object, r.warnings);
    }
    if (method === "PUT") {
      if (!target.name) throw statusErrors.methodNotAllowed();
      const r = await core.update(target, parseObjectBody(raw, req.headers["content-type"]), { dryRun, fieldValidation });
      return send(res, 200, r.object, r.warnings);
    }
    if (method === "PATCH") {
      if (!target.name) throw statusErrors.methodNotAllowed();
      const r = await core.patch(target, patchKindOf(req.headers["content-type"]), text, { dryRun, fieldValidation });
      return send(res, 200, r.object, r.warnings);
    }
    if (method === "DELETE") {
      let options: { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string }; orphanDependents?: boolean } = {};
      if (text.trim()) {
        try {
          options = JSON.parse(text) as typeof options;
        } catch {
          throw statusErrors.badRequest("the DeleteOptions in the request body are not valid JSON");
        }
      }
      const propagationPolicy = q.get("propagationPolicy") ?? options.propagationPolicy ?? (options.orphanDependents ? "Orphan" : undefined);
      if (target.name) {
        const obj = await core.delete(target, { dryRun, propagationPolicy, preconditionUid: options.preconditions?.uid, preconditionRv: options.preconditions?.resourceVersion });
        return send(res, 200, obj);
      }
      const { items } = core.list(target, q.get("labelSelector") ?? undefined, q.get("fieldSelector") ?? undefined);
      const deleted: KubeObject[] = [];
      for (const o of items) {
        try {
          deleted.push(await core.delete({ ...target, namespace: o.metadata.namespace ?? "", name: o.metadata.name }, { dryRun, propagationPolicy }));
        } catch (e) {
          if (!(e instanceof KubeError && e.code === 404)) throw e;
        }
      }
      return send(res, 200, { kind: listKind, apiVersion: apiVersionOf(t.group, target.version), metadata: { resourceVersion: String(core.store.currentRv) }, items: deleted });
    }
    throw statusErrors.methodNotAllowed();
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
