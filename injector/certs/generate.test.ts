import { describe, it, expect, beforeAll } from "vitest";
import { X509Certificate } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { caIsUsable, createCa, issueServingCert, servingDnsNames, type KeyPairPem } from "./generate.js";
import { caFromSecret, secretForCa } from "./ca-secret.js";
import { caBundlePatch } from "./webhook-ca-bundle.js";

let ca: KeyPairPem;
let serving: KeyPairPem;
const names = servingDnsNames("dapr-ts-sidecar-injector", "dapr-system");

beforeAll(() => {
  ca = createCa();
  serving = issueServingCert(ca, names);
});

async function handshake(servername: string, trust: string): Promise<string> {
  const server = https.createServer({ key: serving.keyPem, cert: serving.certPem }, (_req, res) => res.end("hello"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: "127.0.0.1", port, servername, ca: trust, path: "/", agent: false }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve(body));
      });
      req.on("error", reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

describe("injector certificates", () => {
  it("creates a CA and a serving certificate for the Service names, signed by it", () => {
    const caX = new X509Certificate(ca.certPem);
    const sX = new X509Certificate(serving.certPem);
    expect(caX.ca).toBe(true);
    expect(sX.ca).toBe(false);
    expect(sX.checkIssued(caX)).toBe(true);
    expect(sX.verify(caX.publicKey)).toBe(true);
    expect(names).toEqual([
      "dapr-ts-sidecar-injector",
      "dapr-ts-sidecar-injector.dapr-system",
      "dapr-ts-sidecar-injector.dapr-system.svc",
      "dapr-ts-sidecar-injector.dapr-system.svc.cluster.local",
    ]);
    for (const n of names) expect(sX.checkHost(n), n).toBe(n);
    expect(sX.checkHost("other.dapr-system.svc")).toBeUndefined();
  });

  it("serves TLS that a client trusting only the CA bundle accepts", async () => {
    expect(await handshake("dapr-ts-sidecar-injector.dapr-system.svc", ca.certPem)).toBe("hello");
  });

  it("is rejected by a client trusting another CA, or asking for another name", async () => {
    const other = createCa("someone-else");
    await expect(handshake("dapr-ts-sidecar-injector.dapr-system.svc", other.certPem)).rejects.toThrow();
    await expect(handshake("evil.example.com", ca.certPem)).rejects.toThrow(/altnames|Hostname/i);
  });

  it("refuses to issue a certificate without names", () => {
    expect(() => issueServingCert(ca, [])).toThrow(/at least one DNS name/);
  });

  it("judges whether a stored CA can be reused", () => {
    expect(caIsUsable(ca)).toBe(true);
    // Near expiry (less than 30 days left) means a fresh CA is due.
    expect(caIsUsable(ca, new Date(Date.now() + 3640 * 24 * 3600 * 1000))).toBe(false);
    const other = createCa("other");
    expect(caIsUsable({ certPem: ca.certPem, keyPem: other.keyPem })).toBe(false);
    expect(caIsUsable({ certPem: serving.certPem, keyPem: serving.keyPem })).toBe(false);
    expect(caIsUsable({ certPem: "garbage", keyPem: "garbage" })).toBe(false);
  });

  it("round-trips the CA through its Secret form", () => {
    const secret = secretForCa("injector-ca", "dapr-system", ca);
    expect(secret.metadata).toMatchObject({ name: "injector-ca", namespace: "dapr-system" });
    expect(Object.keys(secret.data!).sort()).toEqual(["ca.crt", "ca.key"]);
    expect(caFromSecret(secret)).toEqual(ca);
    expect(caFromSecret({ data: { "ca.crt": secret.data!["ca.crt"]! } })).toBeUndefined();
    expect(caFromSecret(undefined)).toBeUndefined();
  });
});

describe("caBundlePatch", () => {
  const bundle = () => Buffer.from(ca.certPem).toString("base64");

  it("sets the caBundle of every webhook that lacks it", () => {
    const ops = caBundlePatch({
      webhooks: [
        { name: "a.dapr.io", clientConfig: { service: { name: "s", namespace: "n" } }, admissionReviewVersions: ["v1"], sideEffects: "None" },
        { name: "b.dapr.io", clientConfig: { caBundle: "b2xk" }, admissionReviewVersions: ["v1"], sideEffects: "None" },
      ],
    }, ca.certPem);
    expect(ops).toEqual([
      { op: "add", path: "/webhooks/0/clientConfig/caBundle", value: bundle() },
      { op: "add", path: "/webhooks/1/clientConfig/caBundle", value: bundle() },
    ]);
  });

  it("is empty when the bundle is already in place", () => {
    expect(caBundlePatch({ webhooks: [{ name: "a", clientConfig: { caBundle: bundle() }, admissionReviewVersions: ["v1"], sideEffects: "None" }] }, ca.certPem)).toEqual([]);
    expect(caBundlePatch({}, ca.certPem)).toEqual([]);
  });
});
