// gRPC adapter of the state building block: the Dapr service's state RPCs
// mapped onto StateCore. Proto field names are the .proto's own (snake_case).
import { Errors } from "../../errors/catalog.js";
import { md, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { Concurrency, Consistency, StateOptions } from "../../components/state/state-store.js";
import type { DeleteItem, SaveItem, StateCore } from "./state-core.js";

interface ProtoStateItem {
  key: string;
  value: Buffer;
  etag: { value: string } | null;
  metadata: Record<string, string>;
  options: { concurrency: string; consistency: string } | null;
}

const concurrencyOf: Record<string, Concurrency | undefined> = { CONCURRENCY_FIRST_WRITE: "first-write", CONCURRENCY_LAST_WRITE: "last-write" };
const consistencyOf: Record<string, Consistency | undefined> = { CONSISTENCY_EVENTUAL: "eventual", CONSISTENCY_STRONG: "strong" };

function options(o: ProtoStateItem["options"]): StateOptions {
  return o ? { concurrency: concurrencyOf[o.concurrency], consistency: consistencyOf[o.consistency] } : {};
}

function requireKey(key: string): string {
  if (!key) throw Errors.stateKeyMissing();
  return key;
}

function saveItem(s: ProtoStateItem): SaveItem {
  return { key: requireKey(s.key), value: s.value ?? Buffer.alloc(0), etag: s.etag?.value || undefined, metadata: md(s.metadata), options: options(s.options) };
}

function deleteItem(s: ProtoStateItem): DeleteItem {
  return { key: requireKey(s.key), etag: s.etag?.value || undefined, metadata: md(s.metadata), options: options(s.options) };
}

export function stateGrpcHandlers(core: StateCore): GrpcHandlers {
  return {
    GetState: unary(async (req: { store_name: string; key: string; consistency: string; metadata: Record<string, string> }) => {
      const v = await core.get(req.store_name, requireKey(req.key), md(req.metadata), consistencyOf[req.consistency]);
      return v ? { data: v.data, etag: v.etag ?? "", metadata: v.metadata ?? {} } : { data: Buffer.alloc(0), etag: "", metadata: {} };
    }),
    GetBulkState: unary(async (req: { store_name: string; keys: string[]; parallelism: number; metadata: Record<string, string> }) => {
      const items = await core.bulkGet(req.store_name, req.keys, md(req.metadata), req.parallelism);
      return { items: items.map((i) => ({ key: i.key, data: i.data ?? Buffer.alloc(0), etag: i.etag ?? "", error: i.error ?? "", metadata: i.metadata ?? {} })) };
    }),
    SaveState: unary(async (req: { store_name: string; states: ProtoStateItem[] }) => {
      await core.save(req.store_name, req.states.map(saveItem));
      return {};
    }),
    DeleteState: unary(async (req: { store_name: string; key: string; etag: { value: string } | null; options: ProtoStateItem["options"]; metadata: Record<string, string> }) => {
      await core.delete(req.store_name, { key: requireKey(req.key), etag: req.etag?.value || undefined, options: options(req.options), metadata: md(req.metadata) });
      return {};
    }),
    DeleteBulkState: unary(async (req: { store_name: string; states: ProtoStateItem[] }) => {
      await core.deleteBulk(req.store_name, req.states.map(deleteItem));
      return {};
    }),
    ExecuteStateTransaction: unary(async (req: { storeName: string; operations: { operationType: string; request: ProtoStateItem | null }[]; metadata: Record<string, string> }) => {
      const ops = req.operations.map((op, i) => {
        if (!op.request) throw Errors.malformedRequest(`operations[${i}] has no request`);
        if (op.operationType === "upsert") return { operation: "upsert", request: saveItem(op.request) };
        if (op.operationType === "delete") return { operation: "delete", request: deleteItem(op.request) };
        throw Errors.stateOperationUnknown(op.operationType);
      });
      await core.transaction(req.storeName, ops, md(req.metadata));
      return {};
    }),
    QueryStateAlpha1: unary(async (req: { store_name: string; query: string; metadata: Record<string, string> }) => {
      let query: unknown;
      try {
        query = JSON.parse(req.query);
      } catch (err) {
        throw Errors.malformedRequest(`query is not valid JSON: ${(err as Error).message}`);
      }
      const r = await core.query(req.store_name, query, md(req.metadata));
      return {
        results: r.results.map((x) => ({ key: x.key, data: x.data, etag: x.etag ?? "", error: x.error ?? "" })),
        token: r.token ?? "",
        metadata: r.metadata ?? {},
      };
    }),
  };
}
