// HTTP adapter of the state building block: Dapr's /v1.0/state routes mapped
// onto StateCore. No state logic lives here.
import type { Router } from "express";
import { Errors } from "../../errors/catalog.js";
import { jsonBody, metadataFromQuery, param, route } from "../../api/http/http-helpers.js";
import type { Concurrency, Consistency, StateOptions } from "../../components/state/state-store.js";
import type { DeleteItem, SaveItem, StateCore, TransactionRequestOp } from "./state-core.js";

export function registerStateHttp(router: Router, core: StateCore): void {
  const save = route(async (req, res) => {
    const body = jsonBody(req);
    if (!Array.isArray(body)) throw Errors.malformedRequest("expected a JSON array of state items");
    const items = body.map((raw, i) => toSaveItem(raw, `[${i}]`));
    await core.save(param(req, "store"), items);
    res.status(204).end();
  });
  const bulkGet = route(async (req, res) => {
    const body = jsonBody(req) as { keys?: unknown; parallelism?: unknown };
    if (typeof body !== "object" || body === null || !Array.isArray(body.keys) || !body.keys.every((k) => typeof k === "string")) {
      throw Errors.malformedRequest("expected {\"keys\": [string, ...]}");
    }
    const items = await core.bulkGet(param(req, "store"), body.keys as string[], metadataFromQuery(req), Number(body.parallelism ?? 0));
    res.status(200).json(items.map((i) => ({
      key: i.key,
      ...(i.data !== undefined ? { data: dataAsJson(i.data) } : {}),
      ...(i.etag !== undefined ? { etag: i.etag } : {}),
      ...(i.metadata ? { metadata: i.metadata } : {}),
      ...(i.error ? { error: i.error } : {}),
    })));
  });
  const transaction = route(async (req, res) => {
    const body = jsonBody(req) as { operations?: unknown; metadata?: unknown };
    if (typeof body !== "object" || body === null || !Array.isArray(body.operations)) {
      throw Errors.malformedRequest("expected {\"operations\": [...]}");
    }
    const ops: TransactionRequestOp[] = body.operations.map((raw, i) => {
      const op = raw as { operation?: unknown; request?: unknown };
      if (typeof op?.operation !== "string") throw Errors.malformedRequest(`operations[${i}].operation must be a string`);
      if (op.operation === "upsert") return { operation: "upsert", request: toSaveItem(op.request, `operations[${i}].request`) };
      if (op.operation === "delete") return { operation: "delete", request: toDeleteItem(op.request, `operations[${i}].request`) };
      throw Errors.stateOperationUnknown(op.operation);
    });
    await core.transaction(param(req, "store"), ops, stringMap(body.metadata, "metadata"));
    res.status(204).end();
  });
  const query = route(async (req, res) => {
    const result = await core.query(param(req, "store"), jsonBody(req), metadataFromQuery(req));
    res.status(200).json({
      results: result.results.map((r) => ({ key: r.key, data: dataAsJson(r.data), ...(r.etag ? { etag: r.etag } : {}), ...(r.error ? { error: r.error } : {}) })),
      ...(result.token ? { token: result.token } : {}),
      ...(result.metadata ? { metadata: result.metadata } : {}),
    });
  });

  router.post("/v1.0/state/:store", save);
  router.put("/v1.0/state/:store", save);
  router.post("/v1.0/state/:store/bulk", bulkGet);
  router.put("/v1.0/state/:store/bulk", bulkGet);
  router.post("/v1.0/state/:store/transaction", transaction);
  router.put("/v1.0/state/:store/transaction", transaction);
  router.post("/v1.0-alpha1/state/:store/query", query);
  router.put("/v1.0-alpha1/state/:store/query", query);

  router.get("/v1.0/state/:store/:key", route(async (req, res) => {
    const consistency = optionValue(req.query["consistency"], ["eventual", "strong"], "consistency") as Consistency | undefined;
    const v = await core.get(param(req, "store"), param(req, "key"), metadataFromQuery(req), consistency);
    if (!v) {
      res.status(204).end();
      return;
    }
    if (v.etag !== undefined) res.setHeader("ETag", v.etag);
    for (const [k, val] of Object.entries(v.metadata ?? {})) res.setHeader(`metadata.${k}`, val);
    res.setHeader("Content-Type", v.contentType ?? v.metadata?.["contentType"] ?? "application/json");
    res.status(200).end(v.data);
  }));

  router.delete("/v1.0/state/:store/:key", route(async (req, res) => {
    const etag = req.header("If-Match");
    const options: StateOptions = {
      concurrency: optionValue(req.query["concurrency"], ["first-write", "last-write"], "concurrency") as Concurrency | undefined,
      consistency: optionValue(req.query["consistency"], ["eventual", "strong"], "consistency") as Consistency | undefined,
    };
    await core.delete(param(req, "store"), { key: param(req, "key"), etag: etag || undefined, metadata: metadataFromQuery(req), options });
    res.status(204).end();
  }));
}

/** A stored value as it appears inside a JSON response: JSON when it is JSON, else a string. */
function dataAsJson(data: Buffer): unknown {
  const text = data.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toSaveItem(raw: unknown, where: string): SaveItem {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw Errors.malformedRequest(`${where} must be an object`);
  const r = raw as { key?: unknown; value?: unknown; etag?: unknown; metadata?: unknown; options?: unknown };
  if (typeof r.key !== "string" || r.key === "") throw Errors.stateKeyMissing();
  // Dapr stores the JSON encoding of the value (a string keeps its quotes).
  const value = Buffer.from(r.value === undefined ? "null" : JSON.stringify(r.value), "utf8");
  return {
    key: r.key,
    value,
    etag: etagOf(r.etag, where),
    metadata: stringMap(r.metadata, `${where}.metadata`),
    options: optionsOf(r.options, where),
  };
}

function toDeleteItem(raw: unknown, where: string): DeleteItem {
  if (typeof raw !== "object" || raw === null) throw Errors.malformedRequest(`${where} must be an object`);
  const r = raw as { key?: unknown; etag?: unknown; metadata?: unknown; options?: unknown };
  if (typeof r.key !== "string" || r.key === "") throw Errors.stateKeyMissing();
  return { key: r.key, etag: etagOf(r.etag, where), metadata: stringMap(r.metadata, `${where}.metadata`), options: optionsOf(r.options, where) };
}

function etagOf(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw Errors.malformedRequest(`${where}.etag must be a string`);
  return v;
}

function optionsOf(v: unknown, where: string): StateOptions {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object") throw Errors.malformedRequest(`${where}.options must be an object`);
  const o = v as { concurrency?: unknown; consistency?: unknown };
  return {
    concurrency: optionValue(o.concurrency, ["first-write", "last-write"], `${where}.options.concurrency`) as Concurrency | undefined,
    consistency: optionValue(o.consistency, ["eventual", "strong"], `${where}.options.consistency`) as Consistency | undefined,
  };
}

function optionValue(v: unknown, allowed: string[], what: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" || !allowed.includes(v)) throw Errors.malformedRequest(`${what} must be one of ${allowed.join(", ")}`);
  return v;
}

function stringMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw Errors.malformedRequest(`${where} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === "string" ? val : JSON.stringify(val);
  return out;
}
