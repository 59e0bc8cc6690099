// Dapr's `state.redis` on ioredis, with Dapr's data layout (see redis-scripts.ts)
// so a Redis written by Dapr reads here and the other way round. Values are
// stored as raw bytes in the `data` field, exactly as Dapr stores what its
// gRPC API and (JSON-encoded) HTTP API hand it.
import { Redis } from "ioredis";
import type { ComponentContext } from "../../component.js";
import {
  EtagInvalidError,
  EtagMismatchError,
  type BulkGetItem,
  type DeleteRequest,
  type GetRequest,
  type GetResponse,
  type SetRequest,
  type StateFeature,
  type TransactionalStateStore,
  type TransactionOperation,
} from "../state-store.js";
import { effectiveTtl, ttlExpireTimeMetadata } from "../common/state-metadata.js";
import { parseRedisMetadata, type RedisStateMetadata } from "./redis-metadata.js";
import { GET_SCRIPT, TRANSACTION_SCRIPT } from "./redis-scripts.js";

type TxClient = Redis & {
  daprStateTx(numKeys: number, ...args: (string | Buffer)[]): Promise<[number, string?]>;
  daprStateGetBuffer(key: string): Promise<[Buffer[], number]>;
};

export class RedisStateStore implements TransactionalStateStore {
  private readonly md: RedisStateMetadata;
  private client: TxClient | undefined;
  private replicas = 0;

  constructor(private readonly ctx: ComponentContext) {
    this.md = parseRedisMetadata(ctx);
  }

  async init(): Promise<void> {
    const client = new Redis({
      host: this.md.host,
      port: this.md.port,
      db: this.md.db,
      ...(this.md.username ? { username: this.md.username } : {}),
      ...(this.md.password ? { password: this.md.password } : {}),
      ...(this.md.tls ? { tls: { rejectUnauthorized: this.md.tlsRejectUnauthorized } } : {}),
      connectTimeout: this.md.dialTimeoutMs,
      maxRetriesPerRequest: this.md.maxRetries,
      lazyConnect: true,
    }) as TxClient;
    // Without a listener, a connection error event would crash the process.
    client.on("error", (err: Error) => this.ctx.logger.warn("redis state store connection error", { component: this.ctx.name, error: err.message }));
    client.defineCommand("daprStateTx", { lua: TRANSACTION_SCRIPT });
    client.defineCommand("daprStateGet", { lua: GET_SCRIPT, numberOfKeys: 1 });
    try {
      await client.connect();
      await client.ping();
      this.replicas = parseConnectedReplicas(await client.info("replication"));
    } catch (err) {
      client.disconnect();
      throw new Error(`component ${this.ctx.name}: cannot connect to Redis at ${this.md.host}:${this.md.port}: ${(err as Error).message}`);
    }
    this.client = client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  }

  features(): StateFeature[] {
    return ["ETAG", "TRANSACTIONAL", "TTL"];
  }

  async get(req: GetRequest): Promise<GetResponse | undefined> {
    let reply: [Buffer[], number];
    try {
      reply = await this.open().daprStateGetBuffer(req.key);
    } catch (err) {
      // toResponse knows the one error that is not a failure (a key of another type).
      return this.toResponse(req.key, [err as Error, undefined], [null, undefined]);
    }
    const fields: Record<string, Buffer> = {};
    for (let i = 0; i + 1 < reply[0].length; i += 2) fields[reply[0][i]!.toString()] = reply[0][i + 1]!;
    return this.toResponse(req.key, [null, fields], [null, Number(reply[1])]);
  }

  /** One pipelined round trip for all keys; a key that fails reports its own error. */
  async bulkGet(reqs: GetRequest[]): Promise<BulkGetItem[]> {
    if (reqs.length === 0) return [];
    const pipeline = this.open().pipeline();
    for (const r of reqs) pipeline.hgetallBuffer(r.key).pttl(r.key);
    const results = (await pipeline.exec()) ?? [];
    return Promise.all(
      reqs.map(async (r, i) => {
        try {
          const res = await this.toResponse(r.key, results[2 * i], results[2 * i + 1]);
          return res ? { key: r.key, ...res } : { key: r.key };
        } catch (err) {
          return { key: r.key, error: (err as Error).message };
        }
      }),
    );
  }

  private async toResponse(key: string, hashResult: [Error | null, unknown] | undefined, pttlResult: [Error | null, unknown] | undefined): Promise<GetResponse | undefined> {
    const [hashErr, hash] = hashResult ?? [new Error("no reply from Redis"), undefined];
    if (hashErr) {
      // Dapr falls back to a plain GET for keys that are not hashes (very old layouts).
      if (/WRONGTYPE/.test(hashErr.message)) {
        const plain = await this.open().getBuffer(key);
        return plain === null ? undefined : { data: plain };
      }
      throw hashErr;
    }
    const fields = hash as Record<string, Buffer>;
    if (Object.keys(fields).length === 0) return undefined;
    const data = fields["data"];
    const version = fields["version"];
    if (data === undefined || version === undefined) throw new Error(`redis key ${key} lacks the required hash field 'data' or 'version'`);
    const pttl = Number(pttlResult?.[1] ?? -1);
    const metadata = pttl > 0 ? ttlExpireTimeMetadata(Date.now() + pttl) : undefined;
    return { data, etag: version.toString(), ...(metadata ? { metadata } : {}) };
  }

  async set(req: SetRequest): Promise<void> {
    await this.run([{ operation: "upsert", request: req }]);
    await this.waitForReplicas(req.options.consistency);
  }

  async delete(req: DeleteRequest): Promise<void> {
    await this.run([{ operation: "delete", request: req }]);
    await this.waitForReplicas(req.options.consistency);
  }

  async multi(ops: TransactionOperation[]): Promise<void> {
    if (ops.length === 0) return;
    await this.run(ops);
  }

  private async run(ops: TransactionOperation[]): Promise<void> {
    // Everything that can be wrong with the request is checked before Redis sees it.
    const keys: string[] = [];
    const args: (string | Buffer)[] = [];
    for (const op of ops) {
      keys.push(op.request.key);
      if (op.operation === "upsert") {
        const r = op.request;
        const ttl = effectiveTtl(r.metadata, this.md.ttlInSeconds);
        args.push("set", versionArg(r), r.value, r.options.concurrency === "first-write" ? "1" : "0", ttl === undefined ? "" : String(ttl));
      } else {
        // Dapr compares a delete's ETag as given; no ETag deletes unconditionally.
        const etag = op.request.etag;
        args.push("del", etag === undefined || etag === "" ? "0" : etag, "", "0", "");
      }
    }
    const [failed, reason] = await this.open().daprStateTx(keys.length, ...keys, ...args);
    if (failed === 0) return;
    const key = keys[failed - 1];
    if (reason === "first-write") throw new EtagMismatchError(`key ${key} already exists and no etag was given (first-write)`);
    throw new EtagMismatchError(`etag mismatch for key ${key}`);
  }

  private async waitForReplicas(consistency: string | undefined): Promise<void> {
    if (consistency !== "strong" || this.replicas === 0) return;
    await this.open().wait(this.replicas, 1000);
  }

  private open(): TxClient {
    if (!this.client) throw new Error(`state store ${this.ctx.name} is not initialized or already closed`);
    return this.client;
  }
}

/** Dapr's rule: last-write or no ETag means "0"; otherwise the ETag must be an integer. */
function versionArg(req: SetRequest): string {
  if (req.options.concurrency === "last-write" || req.etag === undefined || req.etag === "") return "0";
  if (!/^[+-]?\d+$/.test(req.etag)) throw new EtagInvalidError(`etag '${req.etag}' is not a number`);
  return String(Number(req.etag));
}

function parseConnectedReplicas(info: string): number {
  const m = /connected_slaves:(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}
