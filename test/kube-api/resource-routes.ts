// Resource endpoints: /api/v1/... and /apis/<group>/<version>/..., with
// namespaces, names and the status and scale subresources, mapped onto the
// API core (CRUD), the watch hub and Table rendering.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeApiCore, Target } from "./api-core.js";
import { parseObjectBody, readRawBody, send } from "./http-io.js";
import type { KubeObject } from "./object-store.js";
import { patchKindOf } from "./patch.js";
import { apiVersionOf } from "./resource-types.js";
import { getScale, writeScale } from "./scale-subresource.js";
import { KubeError, statusErrors } from "./status.js";
import { toTable, wantsTable } from "./table.js";
import type { WatchHub } from "./watch-stream.js";

export interface ParsedPath {
  group: string;
  version: string;
  rest: string[];
}

export function splitApiPath(pathname: string): ParsedPath | "discovery" | undefined {
  let segs: string[];
  try {
    segs = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw statusErrors.badRequest(`malformed URL path: ${pathname}`);
  }
  if (segs[0] === "api" && segs[1] === "v1" && segs.length > 2) return { group: "", version: "v1", rest: segs.slice(2) };
  if (segs[0] === "apis" && segs.length > 3) return { group: segs[1]!, version: segs[2]!, rest: segs.slice(3) };
  return segs[0] === "api" || segs[0] === "apis" ? "discovery" : undefined;
}

export function createResourceRoutes(core: KubeApiCore, watches: WatchHub) {
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

  return handleResource;
}
