// Bad input to the state API over HTTP and gRPC: each request gets Dapr's
// error code and status, the process keeps serving, and the stored value
// (and its ETag) is exactly what it was before.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { redisComponentDir } from "../support/resources.js";
import { daprClient, rawUnary, unaryCall, type DaprClient } from "../compat/raw-grpc-client.js";

const store = "badinput";

describe("state API bad input", () => {
  let sidecar: SidecarProcess;
  let client: DaprClient;
  const key = "guarded";
  let etag = "";

  beforeAll(async () => {
    // 1 KiB limit so "too large" is cheap to produce; the app id makes keys unique.
    sidecar = await startSidecar({ appId: uniqueName("bad"), resourcesPaths: [redisComponentDir(store, "state.redis")], args: ["--max-body-size", "1Ki"] });
    client = daprClient(sidecar.grpcPort);
    const saved = await sidecar.http(`/v1.0/state/${store}`, { method: "POST", body: JSON.stringify([{ key, value: { v: 1 } }]) });
    expect(saved.status).toBe(204);
    etag = (await sidecar.http(`/v1.0/state/${store}/${key}`)).headers.get("etag") ?? "";
    expect(etag).not.toBe("");
  });
  afterAll(async () => {
    client?.close();
    await sidecar?.kill();
  });

  /** The guarded value and ETag are unchanged and the sidecar still serves. */
  async function expectUntouched(): Promise<void> {
    const res = await sidecar.http(`/v1.0/state/${store}/${key}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ v: 1 });
    expect(res.headers.get("etag")).toBe(etag);
    expect(sidecar.proc.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${sidecar.publicPort}/v1.0/healthz`)).status).toBe(204);
  }

  describe("HTTP", () => {
    const cases: { name: string; method?: string; path?: string; body: string; headers?: Record<string, string>; status: number; code: string; message?: RegExp }[] = [
      { name: "malformed JSON", body: `[{"key":"${key}","value":`, status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "a non-array body", body: JSON.stringify({ key, value: 2 }), status: 400, code: "ERR_MALFORMED_REQUEST", message: /array/ },
      { name: "a missing key", body: JSON.stringify([{ value: 2 }]), status: 400, code: "ERR_MALFORMED_REQUEST", message: /key/ },
      { name: "an empty key", body: JSON.stringify([{ key: "", value: 2 }]), status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "a key containing ||", body: JSON.stringify([{ key: "a||b", value: 2 }]), status: 400, code: "ERR_MALFORMED_REQUEST", message: /\|\|/ },
      // Keys are all checked before anything is written.
      { name: "a valid item followed by an illegal key", body: JSON.stringify([{ key, value: 2 }, { key: "x||y", value: 3 }]), status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "an unknown store", path: "/v1.0/state/no-such-store", body: JSON.stringify([{ key, value: 2 }]), status: 400, code: "ERR_STATE_STORE_NOT_FOUND" },
      { name: "a wrong ETag", body: JSON.stringify([{ key, value: 2, etag: "987654321" }]), status: 409, code: "ERR_STATE_SAVE" },
      { name: "a malformed ETag", body: JSON.stringify([{ key, value: 2, etag: "not-a-number" }]), status: 400, code: "ERR_STATE_SAVE" },
      { name: "a non-string ETag", body: JSON.stringify([{ key, value: 2, etag: { x: 1 } }]), status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "an unknown concurrency option", body: JSON.stringify([{ key, value: 2, options: { concurrency: "sometimes" } }]), status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "a wrong ETag on delete", method: "DELETE", path: `/v1.0/state/${store}/${key}`, body: "", headers: { "If-Match": "987654321" }, status: 409, code: "ERR_STATE_DELETE" },
      // Dapr's Redis store compares a delete's ETag as given, so a malformed one is a mismatch (409), not 400.
      { name: "a malformed ETag on delete", method: "DELETE", path: `/v1.0/state/${store}/${key}`, body: "", headers: { "If-Match": "not-a-number" }, status: 409, code: "ERR_STATE_DELETE" },
      { name: "a key containing || on get", method: "GET", path: `/v1.0/state/${store}/a%7C%7Cb`, body: "", status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "an unknown store on get", method: "GET", path: `/v1.0/state/no-such-store/${key}`, body: "", status: 400, code: "ERR_STATE_STORE_NOT_FOUND" },
      {
        name: "an unknown transaction operation (after a valid upsert)",
        path: `/v1.0/state/${store}/transaction`,
        body: JSON.stringify({ operations: [{ operation: "upsert", request: { key, value: 9 } }, { operation: "merge", request: { key } }] }),
        status: 400, code: "ERR_NOT_SUPPORTED_STATE_OPERATION", message: /merge/,
      },
      { name: "a transaction body that is not an object", path: `/v1.0/state/${store}/transaction`, body: "[1,2]", status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "a transaction with a wrong ETag", path: `/v1.0/state/${store}/transaction`, body: JSON.stringify({ operations: [{ operation: "upsert", request: { key, value: 9, etag: "987654321" } }] }), status: 409, code: "ERR_STATE_TRANSACTION" },
      { name: "a bulk get without keys", path: `/v1.0/state/${store}/bulk`, body: JSON.stringify({ keys: "k" }), status: 400, code: "ERR_MALFORMED_REQUEST" },
      { name: "a body over --max-body-size", body: JSON.stringify([{ key, value: "x".repeat(2048) }]), status: 413, code: "ERR_MALFORMED_REQUEST" },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}: ${c.status} ${c.code}`, async () => {
        const method = c.method ?? "POST";
        const res = await sidecar.http(c.path ?? `/v1.0/state/${store}`, {
          method,
          headers: { "content-type": "application/json", ...c.headers },
          body: method === "GET" || c.body === "" ? undefined : c.body,
        });
        expect(res.status).toBe(c.status);
        const body = (await res.json()) as { errorCode: string; message: string };
        expect(body.errorCode).toBe(c.code);
        expect(typeof body.message).toBe("string");
        if (c.message) expect(body.message).toMatch(c.message);
        await expectUntouched();
      });
    }
  });

  describe("gRPC", () => {
    const item = (extra: object = {}) => ({ key, value: Buffer.from("2"), ...extra });
    const cases: { name: string; rpc: string; req: object; code: grpc.status; details?: RegExp }[] = [
      { name: "a missing key", rpc: "SaveState", req: { store_name: store, states: [{ value: Buffer.from("2") }] }, code: grpc.status.INVALID_ARGUMENT },
      { name: "a key containing ||", rpc: "SaveState", req: { store_name: store, states: [item({ key: "a||b" })] }, code: grpc.status.INVALID_ARGUMENT, details: /\|\|/ },
      { name: "a valid item followed by an illegal key", rpc: "SaveState", req: { store_name: store, states: [item(), item({ key: "x||y" })] }, code: grpc.status.INVALID_ARGUMENT },
      { name: "an unknown store", rpc: "SaveState", req: { store_name: "no-such-store", states: [item()] }, code: grpc.status.INVALID_ARGUMENT, details: /no-such-store/ },
      { name: "a wrong ETag", rpc: "SaveState", req: { store_name: store, states: [item({ etag: { value: "987654321" } })] }, code: grpc.status.ABORTED },
      { name: "a malformed ETag", rpc: "SaveState", req: { store_name: store, states: [item({ etag: { value: "not-a-number" } })] }, code: grpc.status.INVALID_ARGUMENT },
      { name: "a wrong ETag on delete", rpc: "DeleteState", req: { store_name: store, key, etag: { value: "987654321" } }, code: grpc.status.ABORTED },
      { name: "a malformed ETag on delete (a mismatch, as in Dapr's Redis store)", rpc: "DeleteState", req: { store_name: store, key, etag: { value: "not-a-number" } }, code: grpc.status.ABORTED },
      { name: "a missing key on get", rpc: "GetState", req: { store_name: store, key: "" }, code: grpc.status.INVALID_ARGUMENT },
      { name: "a key containing || on delete", rpc: "DeleteState", req: { store_name: store, key: "a||b" }, code: grpc.status.INVALID_ARGUMENT },
      {
        name: "an unknown transaction operation (after a valid upsert)", rpc: "ExecuteStateTransaction",
        req: { storeName: store, operations: [{ operationType: "upsert", request: item({ value: Buffer.from("9") }) }, { operationType: "merge", request: { key } }] },
        code: grpc.status.INVALID_ARGUMENT, details: /merge/,
      },
      { name: "a transaction operation without a request", rpc: "ExecuteStateTransaction", req: { storeName: store, operations: [{ operationType: "delete" }] }, code: grpc.status.INVALID_ARGUMENT },
      { name: "a query that is not JSON", rpc: "QueryStateAlpha1", req: { store_name: store, query: "{filter:" }, code: grpc.status.INVALID_ARGUMENT },
      { name: "a message over --max-body-size", rpc: "SaveState", req: { store_name: store, states: [item({ value: Buffer.alloc(2048, 0x31) })] }, code: grpc.status.RESOURCE_EXHAUSTED },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}: ${grpc.status[c.code]}`, async () => {
        const o = await unaryCall(client, c.rpc, c.req);
        expect(grpc.status[o.code]).toBe(grpc.status[c.code]);
        if (c.details) expect(o.details).toMatch(c.details);
        await expectUntouched();
      });
    }

    it("rejects a message that is not valid protobuf: INTERNAL, process unharmed", async () => {
      // Field 2 (states) claims 5 bytes follow; only 2 do.
      const bytes = Buffer.from([0x12, 0x05, 0xff, 0xff]);
      const o = await rawUnary(sidecar.grpcPort, "SaveState", bytes);
      expect(grpc.status[o.code]).toBe("INTERNAL");
      await expectUntouched();
      // And the same connection type still works afterwards.
      const ok = await unaryCall(client, "GetState", { store_name: store, key });
      expect(ok.code).toBe(grpc.status.OK);
      expect(JSON.parse(ok.response.data.toString())).toEqual({ v: 1 });
    });
  });
});
