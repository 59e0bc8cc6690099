// bindings.http against real local servers: plain HTTP for the verbs, and an
// HTTPS server that requires a client certificate for the mTLS options.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Properties } from "../../component.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { UnsupportedOperationError } from "../binding.js";
import { HttpOutputBinding, HttpStatusError } from "./index.js";

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }
const seen: Seen[] = [];
function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    if (req.url?.startsWith("/missing")) { res.statusCode = 404; res.end("nope"); return; }
    res.setHeader("x-echo-method", req.method ?? "");
    res.setHeader("content-type", "text/plain");
    res.end(req.method === "HEAD" ? undefined : `${req.method} ${req.url}`);
  });
}
const server = http.createServer(handle);
let base = "";

const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-http-binding-"));
const f = (n: string) => path.join(dir, n);
function openssl(...args: string[]) { execFileSync("openssl", args, { stdio: "ignore" }); }
let tlsServer: https.Server;
let tlsBase = "";

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "1", "-subj", "/CN=test-ca");
  writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1\n");
  for (const who of ["server", "client"]) {
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f(`${who}.key`), "-out", f(`${who}.csr`), "-subj", `/CN=${who}`);
    openssl("x509", "-req", "-in", f(`${who}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f(`${who}.crt`), "-days", "1", ...(who === "server" ? ["-extfile", f("san.ext")] : []));
  }
  tlsServer = https.createServer({ key: readFileSync(f("server.key")), cert: readFileSync(f("server.crt")), ca: readFileSync(f("ca.crt")), requestCert: true, rejectUnauthorized: true }, handle);
  await new Promise<void>((r) => tlsServer.listen(0, "127.0.0.1", r));
  tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => tlsServer.close(() => r()));
});

function ctx(properties: Properties) {
  return componentContext({ name: "web", type: "bindings.http", properties, appId: "app" });
}
async function binding(properties: Properties) {
  const b = new HttpOutputBinding(ctx(properties));
  await b.init();
  return b;
}

describe("bindings.http", () => {
  it("maps every operation to its verb, appends path and reports the status", async () => {
    const b = await binding({ url: `${base}/api/` });
    try {
      for (const op of ["get", "post", "put", "patch", "delete", "options", "trace", "head", "create"]) {
        const res = await b.invoke({ operation: op, data: Buffer.from('{"a":1}'), metadata: { path: "/items/1" } });
        const verb = op === "create" ? "POST" : op.toUpperCase();
        const last = seen[seen.length - 1];
        expect(last.method).toBe(verb);
        expect(last.url).toBe("/api/items/1");
        expect(last.body).toBe(["POST", "PUT", "PATCH"].includes(verb) ? '{"a":1}' : "");
        expect(res.metadata?.statusCode).toBe("200");
        expect(res.metadata?.status).toBe("200 OK");
        expect(res.metadata?.["X-Echo-Method"]).toBe(verb);
        if (verb !== "HEAD") expect(res.data?.toString()).toBe(`${verb} /api/items/1`);
      }
    } finally {
      await b.close();
    }
  });

  it("sends capitalised metadata as headers, defaults content type, adds the security token", async () => {
    const b = await binding({ url: base, securityToken: "tok", securityTokenHeader: "X-Token" });
    try {
      await b.invoke({ operation: "post", data: Buffer.from("x"), metadata: { "X-Custom": "yes", lower: "not-a-header", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } });
      const h = seen[seen.length - 1].headers;
      expect(h["x-custom"]).toBe("yes");
      expect(h["lower"]).toBeUndefined();
      expect(h["x-token"]).toBe("tok");
      expect(h["content-type"]).toBe("application/json; charset=utf-8");
      expect(h["traceparent"]).toMatch(/^00-/);
    } finally {
      await b.close();
    }
  });

  it("fails on non-2xx unless errorIfNot2XX is false", async () => {
    const b = await binding({ url: base });
    try {
      const err = await b.invoke({ operation: "get", data: Buffer.alloc(0), metadata: { path: "missing" } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpStatusError);
      expect((err as HttpStatusError).message).toBe("received status code 404");
      const ok = await b.invoke({ operation: "get", data: Buffer.alloc(0), metadata: { path: "missing", errorIfNot2XX: "false" } });
      expect(ok.metadata?.statusCode).toBe("404");
      expect(ok.data?.toString()).toBe("nope");
    } finally {
      await b.close();
    }
    const lenient = await binding({ url: base, errorIfNot2XX: "false" });
    try {
      expect((await lenient.invoke({ operation: "get", data: Buffer.alloc(0), metadata: { path: "missing" } })).metadata?.statusCode).toBe("404");
    } finally {
      await lenient.close();
    }
  });

  it("rejects an unknown operation listing the supported ones", async () => {
    const b = await binding({ url: base });
    try {
      const err = await b.invoke({ operation: "connect", data: Buffer.alloc(0), metadata: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedOperationError);
      expect((err as Error).message).toContain("get, head, post, put, patch, delete, options, trace");
    } finally {
      await b.close();
    }
  });

  it("talks mTLS with the root CA as a file and the client pair as PEM text", async () => {
    const b = await binding({ url: tlsBase, MTLSRootCA: f("ca.crt"), MTLSClientCert: readFileSync(f("client.crt"), "utf8"), MTLSClientKey: readFileSync(f("client.key"), "utf8") });
    try {
      expect((await b.invoke({ operation: "get", data: Buffer.alloc(0), metadata: {} })).metadata?.statusCode).toBe("200");
    } finally {
      await b.close();
    }
    // Without a client certificate the server refuses the handshake.
    const noClient = await binding({ url: tlsBase, MTLSRootCA: f("ca.crt") });
    try {
      await expect(noClient.invoke({ operation: "get", data: Buffer.alloc(0), metadata: {} })).rejects.toThrow();
    } finally {
      await noClient.close();
    }
  });

  it("fails init clearly for a bad url, a bad timeout or an unreadable certificate", async () => {
    await expect(binding({})).rejects.toThrow(/url/);
    await expect(binding({ url: "not a url" })).rejects.toThrow(/not a valid URL/);
    await expect(binding({ url: base, responseTimeout: "soon" })).rejects.toThrow(/responseTimeout/);
    await expect(binding({ url: base, MTLSRootCA: "/no/such/ca.pem" })).rejects.toThrow(/MTLSRootCA/);
  });
});
