// The invocation bench's floor relays what the sidecars relay: an HTTP call
// through two relays, and an InvokeService call through the gRPC relay and the
// second relay, both reaching the app and carrying its answer back.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFields, leanGrpcClient } from "./lean-grpc-client.js";
import { startProxyChainFloor, type ProxyChainFloor } from "./proxy-chain-floor.js";

describe("the invocation bench's floor", () => {
  let app: http.Server;
  let floor: ProxyChainFloor;
  const seen: string[] = [];

  beforeAll(async () => {
    app = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push(`${req.method} ${req.url} ${Buffer.concat(chunks).length}`);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    floor = await startProxyChainFloor((app.address() as AddressInfo).port);
  }, 30_000);
  afterAll(async () => {
    await floor?.close();
    app?.close();
  });

  it("runs each relay in a process of its own, the second shared by both chains", () => {
    expect(new Set([...floor.pids, ...floor.grpc.pids]).size).toBe(3);
    expect(floor.grpc.pids[1]).toBe(floor.pids[1]);
  });

  it("relays an HTTP call to the app and its answer back", async () => {
    const r = await fetch(`http://127.0.0.1:${floor.port}/echo`, { method: "POST", body: "x".repeat(1024) });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("ok");
    expect(seen.at(-1)).toBe("POST /echo 1024");
  });

  it("takes InvokeService over HTTP/2 and answers with the app's answer as the response's data", async () => {
    const client = leanGrpcClient("127.0.0.1", floor.grpc.port, 1);
    try {
      const request = encodeFields([[1, "app"], [3, encodeFields([[1, "echo"], [2, encodeFields([[2, Buffer.alloc(100)]])]])]]);
      const response = await client.unary("/dapr.proto.runtime.v1.Dapr/InvokeService", request);
      expect(response.equals(encodeFields([[1, encodeFields([[2, "ok"]])], [2, "text/plain"]]))).toBe(true);
      expect(seen.at(-1)).toBe(`POST /echo ${request.length}`);
    } finally {
      client.close();
    }
  });
});
