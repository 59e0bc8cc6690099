// The one state store conformance suite, run against every store (as Dapr's
// tests/conformance/state). Each store declares what it supports, like
// Dapr's tests/config/state/tests.yml, and a feature it does not declare must
// be absent. Keys carry a unique prefix so parallel files never collide.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EtagInvalidError,
  EtagMismatchError,
  isQueryable,
  isTransactional,
  type BulkGetItem,
  type GetRequest,
  type QueryableStateStore,
  type SetRequest,
  type StateFeature,
  type StateStore,
  type TransactionalStateStore,
} from "../../../sidecar/components/state/state-store.js";
import { uniqueName } from "../../support/services.js";

export interface StateConformanceConfig {
  /** Exactly what `features()` must report. */
  features: StateFeature[];
  /** An ETag in the store's own format that is not the key's current one (Dapr's `badEtag`). */
  badEtag: string;
  /** An ETag the store can never have issued (EtagInvalidError); omit when every string is a possible ETag. */
  invalidEtag?: string;
  /** A set with an ETag on a missing key: Redis ignores the ETag ("write"), the others fail ("mismatch"). */
  etagOnMissingKey: "write" | "mismatch";
  /** jsonb-backed stores keep JSON's meaning, not its bytes; compare parsed values for JSON objects. */
  jsonNormalized?: boolean;
  /** Removes what the suite wrote to a shared server: every key starts with one of `prefixes`. */
  dropKeys?: (prefixes: string[]) => Promise<void>;
}


export function setReq(key: string, value: Buffer | string, extra: Partial<SetRequest> = {}): SetRequest {
  return { key, value: Buffer.isBuffer(value) ? value : Buffer.from(value), metadata: {}, options: {}, ...extra };
}

async function bulkGet(store: StateStore, keys: string[]): Promise<BulkGetItem[]> {
  const reqs: GetRequest[] = keys.map((key) => ({ key, metadata: {} }));
  if (store.bulkGet) return store.bulkGet(reqs);
  return Promise.all(reqs.map(async (r) => ({ key: r.key, ...((await store.get(r)) ?? {}) })));
}

async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

export function runStateConformance(name: string, makeStore: () => Promise<StateStore> | StateStore, config: StateConformanceConfig): void {
  const has = (f: StateFeature) => config.features.includes(f);

  describe(`state conformance: ${name}`, () => {
    let store: StateStore;
    // The runtime prefixes keys with "<appId>||"; do the same so layouts match real use.
    const prefix = `${uniqueName("conf")}||`;
    const k = (s: string) => prefix + s;
    const usedPrefixes = [prefix];
    const get = async (key: string) => store.get({ key, metadata: {} });

    beforeAll(async () => {
      store = await makeStore();
      await store.init();
    });
    afterAll(async () => {
      await store?.close();
      await config.dropKeys?.(usedPrefixes);
    });

    describe("declared features are exactly the working ones", () => {
      it("reports exactly the declared features", () => {
        expect([...store.features()].sort()).toEqual([...config.features].sort());
      });
      it(`${has("TRANSACTIONAL") ? "has" : "has no"} multi()`, () => {
        expect(isTransactional(store)).toBe(has("TRANSACTIONAL"));
      });
      it(`${has("QUERY_API") ? "has" : "has no"} query()`, () => {
        expect(isQueryable(store)).toBe(has("QUERY_API"));
      });
    });

    describe("CRUD", () => {
      it("reads back what was written, and nothing for a missing key", async () => {
        await store.set(setReq(k("crud"), '{"a":1}'));
        const res = await get(k("crud"));
        expect(JSON.parse(res!.data.toString())).toEqual({ a: 1 });
        expect(await get(k("never-written"))).toBeUndefined();
      });
      it("overwrites without an ETag (last-write) and deletes", async () => {
        await store.set(setReq(k("crud2"), '"one"'));
        await store.set(setReq(k("crud2"), '"two"'));
        expect((await get(k("crud2")))?.data.toString()).toBe('"two"');
        await store.delete({ key: k("crud2"), metadata: {}, options: {} });
        expect(await get(k("crud2"))).toBeUndefined();
      });
      it("deleting a missing key succeeds", async () => {
        await expect(store.delete({ key: k("missing-del"), metadata: {}, options: {} })).resolves.toBeUndefined();
      });
      it("keeps a JSON object's meaning (and bytes unless the store normalizes JSON)", async () => {
        const json = '{"name":"dapr","nested":{"n":[1,2,3]},"ok":true}';
        await store.set(setReq(k("json"), json));
        const got = (await get(k("json")))!.data.toString();
        if (config.jsonNormalized) expect(JSON.parse(got)).toEqual(JSON.parse(json));
        else expect(got).toBe(json);
      });
      it("stores unicode keys and values", async () => {
        const key = k("ключ-🔑-키-κλειδί");
        await store.set(setReq(key, '"värde 値 🚀"'));
        expect((await get(key))?.data.toString()).toBe('"värde 値 🚀"');
        await store.delete({ key, metadata: {}, options: {} });
        expect(await get(key)).toBeUndefined();
      });
      it("round-trips non-JSON text and binary bytes exactly", async () => {
        const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x7f, 10, 13]);
        await store.set(setReq(k("bin"), bin));
        expect((await get(k("bin")))!.data.equals(bin)).toBe(true);
        await store.set(setReq(k("text"), "plain text, not JSON"));
        expect((await get(k("text")))!.data.toString()).toBe("plain text, not JSON");
      });
      it("round-trips 1 MiB values byte-exact (binary and JSON)", async () => {
        const bin = Buffer.alloc(1024 * 1024);
        for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919 + (i >> 8)) & 0xff;
        await store.set(setReq(k("big-bin"), bin));
        expect((await get(k("big-bin")))!.data.equals(bin)).toBe(true);
        // A JSON string reads back byte-exact even from stores that normalize JSON.
        const json = Buffer.from(JSON.stringify("x".repeat(1024 * 1024 - 2)));
        expect(json.length).toBe(1024 * 1024);
        await store.set(setReq(k("big-json"), json));
        expect((await get(k("big-json")))!.data.equals(json)).toBe(true);
      });
    });

    describe("bulk get", () => {
      it("returns every requested key, with data for existing ones", async () => {
        await store.set(setReq(k("bulk1"), '"v1"'));
        await store.set(setReq(k("bulk2"), '"v2"'));
        const items = await bulkGet(store, [k("bulk1"), k("bulk2"), k("bulk-missing")]);
        const byKey = new Map(items.map((i) => [i.key, i]));
        expect(byKey.size).toBe(3);
        expect(byKey.get(k("bulk1"))?.data?.toString()).toBe('"v1"');
        expect(byKey.get(k("bulk2"))?.data?.toString()).toBe('"v2"');
        if (has("ETAG")) expect(byKey.get(k("bulk1"))?.etag).toBeTruthy();
        expect(byKey.get(k("bulk-missing"))?.data ?? undefined).toBeUndefined();
      });
    });

    if (has("ETAG")) {
      describe("ETags", () => {
        it("changes the ETag on every write", async () => {
          await store.set(setReq(k("etag"), '"1"'));
          const e1 = (await get(k("etag")))!.etag;
          await store.set(setReq(k("etag"), '"2"'));
          const e2 = (await get(k("etag")))!.etag;
          await store.set(setReq(k("etag"), '"3"', { etag: e2 }));
          const e3 = (await get(k("etag")))!.etag;
          expect(e1).toBeTruthy();
          expect(new Set([e1, e2, e3]).size).toBe(3);
        });
        it("a wrong ETag fails set and delete with EtagMismatchError and changes nothing", async () => {
          await store.set(setReq(k("etag-bad"), '"orig"'));
          await expect(store.set(setReq(k("etag-bad"), '"new"', { etag: config.badEtag }))).rejects.toBeInstanceOf(EtagMismatchError);
          await expect(store.delete({ key: k("etag-bad"), etag: config.badEtag, metadata: {}, options: {} })).rejects.toBeInstanceOf(EtagMismatchError);
          expect((await get(k("etag-bad")))?.data.toString()).toBe('"orig"');
        });
        it("a stale ETag fails after someone else wrote", async () => {
          await store.set(setReq(k("etag-stale"), '"a"'));
          const stale = (await get(k("etag-stale")))!.etag;
          await store.set(setReq(k("etag-stale"), '"b"', { etag: stale }));
          await expect(store.set(setReq(k("etag-stale"), '"c"', { etag: stale }))).rejects.toBeInstanceOf(EtagMismatchError);
          expect((await get(k("etag-stale")))?.data.toString()).toBe('"b"');
        });
        it("the right ETag deletes", async () => {
          await store.set(setReq(k("etag-del"), '"x"'));
          const etag = (await get(k("etag-del")))!.etag;
          await store.delete({ key: k("etag-del"), etag, metadata: {}, options: {} });
          expect(await get(k("etag-del"))).toBeUndefined();
        });
        it(`an ETag on a missing key: ${config.etagOnMissingKey}`, async () => {
          const p = store.set(setReq(k("etag-missing"), '"v"', { etag: config.badEtag }));
          if (config.etagOnMissingKey === "write") {
            await p;
            expect((await get(k("etag-missing")))?.data.toString()).toBe('"v"');
          } else {
            await expect(p).rejects.toBeInstanceOf(EtagMismatchError);
            expect(await get(k("etag-missing"))).toBeUndefined();
          }
        });
        if (config.invalidEtag !== undefined) {
          it("an ETag that cannot be valid fails with EtagInvalidError", async () => {
            await store.set(setReq(k("etag-invalid"), '"v"'));
            await expect(store.set(setReq(k("etag-invalid"), '"w"', { etag: config.invalidEtag }))).rejects.toBeInstanceOf(EtagInvalidError);
            expect((await get(k("etag-invalid")))?.data.toString()).toBe('"v"');
          });
        }
        it("100 concurrent read-modify-write writers with ETag retries lose no update", async () => {
          const key = k("counter");
          await store.set(setReq(key, "0"));
          const writer = async () => {
            for (let attempt = 0; attempt < 10_000; attempt++) {
              const cur = (await get(key))!;
              try {
                await store.set(setReq(key, String(Number(cur.data.toString()) + 1), { etag: cur.etag }));
                return;
              } catch (err) {
                if (!(err instanceof EtagMismatchError)) throw err;
              }
            }
            throw new Error("writer gave up");
          };
          await Promise.all(Array.from({ length: 100 }, writer));
          expect(Number((await get(key))!.data.toString())).toBe(100);
        });
      });

      describe("first-write concurrency", () => {
        const fw = { concurrency: "first-write" as const };
        it("without an ETag, a first-write on an existing key fails", async () => {
          const key = k("fw");
          await store.set(setReq(key, '"first"', { options: fw }));
          await expect(store.set(setReq(key, '"second"', { options: fw }))).rejects.toBeInstanceOf(EtagMismatchError);
          await expect(store.set(setReq(key, '"second"', { options: fw, etag: "" }))).rejects.toBeInstanceOf(EtagMismatchError);
          expect((await get(key))?.data.toString()).toBe('"first"');
        });
        it("with the current ETag it succeeds once; the old ETag then fails", async () => {
          const key = k("fw-etag");
          await store.set(setReq(key, '"v1"'));
          const etag = (await get(key))!.etag;
          await store.set(setReq(key, '"v2"', { options: fw, etag }));
          await expect(store.set(setReq(key, '"v3"', { options: fw, etag }))).rejects.toBeInstanceOf(EtagMismatchError);
          expect((await get(key))?.data.toString()).toBe('"v2"');
        });
      });
    }

    if (has("TRANSACTIONAL")) {
      describe("transactions", () => {
        const tx = () => store as TransactionalStateStore;
        it("applies upserts and deletes together", async () => {
          await store.set(setReq(k("tx-del"), '"gone soon"'));
          await tx().multi(
            [
              { operation: "upsert", request: setReq(k("tx-a"), '"a"') },
              { operation: "upsert", request: setReq(k("tx-b"), '"b"') },
              { operation: "delete", request: { key: k("tx-del"), metadata: {}, options: {} } },
            ],
            {},
          );
          expect((await get(k("tx-a")))?.data.toString()).toBe('"a"');
          expect((await get(k("tx-b")))?.data.toString()).toBe('"b"');
          expect(await get(k("tx-del"))).toBeUndefined();
        });
        it("is all-or-nothing: an ETag mismatch in the second op leaves the first unapplied", async () => {
          await store.set(setReq(k("tx-guard"), '"guard"'));
          await store.set(setReq(k("tx-keep"), '"keep"'));
          await expect(
            tx().multi(
              [
                { operation: "upsert", request: setReq(k("tx-first"), '"should not exist"') },
                { operation: "delete", request: { key: k("tx-keep"), metadata: {}, options: {} } },
                { operation: "upsert", request: setReq(k("tx-guard"), '"changed"', { etag: config.badEtag }) },
              ],
              {},
            ),
          ).rejects.toBeInstanceOf(EtagMismatchError);
          expect(await get(k("tx-first"))).toBeUndefined();
          expect((await get(k("tx-keep")))?.data.toString()).toBe('"keep"');
          expect((await get(k("tx-guard")))?.data.toString()).toBe('"guard"');
        });
        it("an upsert with the current ETag inside a transaction applies and changes the ETag", async () => {
          await store.set(setReq(k("tx-seq"), '"0"'));
          const etag = (await get(k("tx-seq")))!.etag;
          await tx().multi(
            [
              { operation: "upsert", request: setReq(k("tx-seq"), '"1"', { etag }) },
              { operation: "upsert", request: setReq(k("tx-seq2"), '"x"') },
            ],
            {},
          );
          expect((await get(k("tx-seq")))?.data.toString()).toBe('"1"');
          expect((await get(k("tx-seq")))?.etag).not.toBe(etag);
        });
        it("an empty transaction is a no-op", async () => {
          await expect(tx().multi([], {})).resolves.toBeUndefined();
        });
      });
    }

    if (has("TTL")) {
      describe("TTL", () => {
        it("expires a key after ttlInSeconds and reports ttlExpireTime", async () => {
          const key = k("ttl");
          const before = Date.now();
          await store.set(setReq(key, '"short-lived"', { metadata: { ttlInSeconds: "1" } }));
          const res = await get(key);
          expect(res?.data.toString()).toBe('"short-lived"');
          const expire = Date.parse(res!.metadata!["ttlExpireTime"]!);
          // Whole-second precision, so allow a second either way.
          expect(expire).toBeGreaterThanOrEqual(before - 1000);
          expect(expire).toBeLessThanOrEqual(Date.now() + 2000);
          expect(await waitUntil(async () => (await get(key)) === undefined, 5000)).toBe(true);
        });
        it("a key written without TTL does not expire, and ttlInSeconds -1 clears a TTL", async () => {
          const key = k("ttl-clear");
          await store.set(setReq(key, '"v"', { metadata: { ttlInSeconds: "1" } }));
          await store.set(setReq(key, '"v2"', { metadata: { ttlInSeconds: "-1" } }));
          const res = await get(key);
          expect(res?.metadata?.["ttlExpireTime"]).toBeUndefined();
          await new Promise((r) => setTimeout(r, 1600));
          expect((await get(key))?.data.toString()).toBe('"v2"');
        });
        it("rejects a malformed ttlInSeconds without writing", async () => {
          await expect(store.set(setReq(k("ttl-bad"), '"v"', { metadata: { ttlInSeconds: "soon" } }))).rejects.toThrow(/ttlInSeconds/);
          expect(await get(k("ttl-bad"))).toBeUndefined();
        });
        if (has("TRANSACTIONAL")) {
          it("honours ttlInSeconds inside a transaction", async () => {
            const key = k("ttl-tx");
            await (store as TransactionalStateStore).multi([{ operation: "upsert", request: setReq(key, '"t"', { metadata: { ttlInSeconds: "1" } }) }], {});
            expect((await get(key))?.data.toString()).toBe('"t"');
            expect(await waitUntil(async () => (await get(key)) === undefined, 5000)).toBe(true);
          });
        }
      });
    }

    if (has("QUERY_API")) {
      describe("query API", () => {
        const q = () => store as QueryableStateStore;
        const people = [
          { id: 1, name: "ana", org: { team: "core" }, city: "Oslo", score: 10 },
          { id: 2, name: "ben", org: { team: "core" }, city: "Rome", score: 20 },
          { id: 3, name: "cy", org: { team: "edge" }, city: "Oslo", score: 30 },
          { id: 4, name: "di", org: { team: "edge" }, city: "Lima", score: 40 },
          { id: 5, name: "ed", org: { team: "ops" }, city: "Rome", score: 50 },
        ];
        const qprefix = `${uniqueName("query")}||`;
        usedPrefixes.push(qprefix);
        const names = (r: { results: { data: Buffer }[] }) => r.results.map((x) => (JSON.parse(x.data.toString()) as { name: string }).name);

        beforeAll(async () => {
          for (const p of people) await store.set(setReq(`${qprefix}p${p.id}`, JSON.stringify(p)));
        });

        it("filters with EQ on a nested field and only returns this prefix's keys", async () => {
          const res = await q().query({ filter: { EQ: { "org.team": "core" } }, sort: [{ key: "id" }] }, qprefix, {});
          expect(names(res).sort()).toEqual(["ana", "ben"]);
          for (const r of res.results) {
            expect(r.key.startsWith(qprefix)).toBe(true);
            expect(r.etag).toBeTruthy();
          }
        });
        it("filters with IN, AND and OR", async () => {
          const inRes = await q().query({ filter: { IN: { city: ["Oslo", "Lima"] } } }, qprefix, {});
          expect(names(inRes).sort()).toEqual(["ana", "cy", "di"]);
          const andRes = await q().query({ filter: { AND: [{ EQ: { city: "Oslo" } }, { EQ: { "org.team": "edge" } }] } }, qprefix, {});
          expect(names(andRes)).toEqual(["cy"]);
          const orRes = await q().query({ filter: { OR: [{ EQ: { name: "ana" } }, { AND: [{ EQ: { city: "Rome" } }, { EQ: { "org.team": "ops" } }] }] } }, qprefix, {});
          expect(names(orRes).sort()).toEqual(["ana", "ed"]);
        });
        it("sorts ascending and descending", async () => {
          const asc = await q().query({ sort: [{ key: "name", order: "ASC" }] }, qprefix, {});
          expect(names(asc)).toEqual(["ana", "ben", "cy", "di", "ed"]);
          const desc = await q().query({ sort: [{ key: "city", order: "DESC" }, { key: "name" }] }, qprefix, {});
          expect(names(desc)).toEqual(["ben", "ed", "ana", "cy", "di"]);
        });
        it("pages with limit and token until all results are seen", async () => {
          const seen: string[] = [];
          let token: string | undefined;
          for (let page = 0; page < 5; page++) {
            const res = await q().query({ sort: [{ key: "name" }], page: { limit: 2, ...(token ? { token } : {}) } }, qprefix, {});
            seen.push(...names(res));
            token = res.token;
            if (res.results.length < 2) break;
          }
          expect(seen).toEqual(["ana", "ben", "cy", "di", "ed"]);
        });
        it("rejects a malformed query with a clear error", async () => {
          await expect(q().query({ filter: { BOGUS: { a: 1 } } as never }, qprefix, {})).rejects.toThrow(/BOGUS|filter/);
          await expect(q().query({ page: { limit: 2, token: "not-a-number" } }, qprefix, {})).rejects.toThrow(/token/);
        });
      });
    }
  });
}
