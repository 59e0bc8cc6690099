// The Kubernetes store against a tiny HTTP server that answers secret reads
// the way the API server does (JSON V1Secret / V1SecretList / 404 Status).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../log/logger.js";
import type { ComponentContext } from "../../component.js";
import { SecretNotFoundError } from "../secret-store.js";
import { KubernetesSecretStore } from "./index.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const secrets: Record<string, Record<string, Record<string, string>>> = {
  apps: { db: { user: b64("admin"), pass: b64("p@ss:word") }, tls: { "tls.crt": b64("CERT") } },
  other: { db: { user: b64("other-admin") } },
};
const seen: string[] = [];
let server: http.Server;
let kc: KubeConfig;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/?]+))?/.exec(req.url ?? "");
    res.setHeader("content-type", "application/json");
    if (!m || req.method !== "GET") { res.statusCode = 404; res.end("{}"); return; }
    const [, ns, name] = m;
    const inNs = secrets[ns] ?? {};
    if (!name) {
      res.end(JSON.stringify({ kind: "SecretList", apiVersion: "v1", metadata: {}, items: Object.entries(inNs).map(([n, data]) => ({ metadata: { name: n, namespace: ns }, data })) }));
      return;
    }
    if (!inNs[name]) {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: `secrets "${name}" not found` }));
      return;
    }
    res.end(JSON.stringify({ kind: "Secret", apiVersion: "v1", metadata: { name, namespace: ns }, data: inNs[name], type: "Opaque" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "test", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "test", token: "t" }],
    contexts: [{ name: "test", cluster: "test", user: "test" }],
    currentContext: "test",
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function ctx(namespace: string): ComponentContext {
  return { name: "kubernetes", type: "secretstores.kubernetes", version: "v1", properties: {}, appId: "app", namespace, logger: silentLogger };
}

describe("secretstores.kubernetes", () => {
  it("reads a secret in the sidecar's namespace and decodes base64 values", async () => {
    const s = new KubernetesSecretStore(ctx("apps"), kc);
    await s.init();
    expect(await s.getSecret({ name: "db", metadata: {} })).toEqual({ user: "admin", pass: "p@ss:word" });
    expect(seen).toContain("GET /api/v1/namespaces/apps/secrets/db");
  });

  it("metadata.namespace overrides the namespace", async () => {
    const s = new KubernetesSecretStore(ctx("apps"), kc);
    await s.init();
    expect(await s.getSecret({ name: "db", metadata: { namespace: "other" } })).toEqual({ user: "other-admin" });
  });

  it("maps 404 to SecretNotFoundError", async () => {
    const s = new KubernetesSecretStore(ctx("apps"), kc);
    await s.init();
    await expect(s.getSecret({ name: "missing", metadata: {} })).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it("bulk lists every secret of the namespace", async () => {
    const s = new KubernetesSecretStore(ctx("apps"), kc);
    await s.init();
    expect(await s.bulkGetSecret({ metadata: {} })).toEqual({ db: { user: "admin", pass: "p@ss:word" }, tls: { "tls.crt": "CERT" } });
  });

  it("loads KUBECONFIG when no configuration is given", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const file = path.join(mkdtempSync(path.join(tmpdir(), "dapr-ts-kubeconfig-")), "config");
    writeFileSync(file, kc.exportConfig());
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      const s = new KubernetesSecretStore(ctx("apps"));
      await s.init();
      expect(await s.getSecret({ name: "tls", metadata: {} })).toEqual({ "tls.crt": "CERT" });
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it("fails clearly without a namespace", async () => {
    const saved = process.env.NAMESPACE;
    delete process.env.NAMESPACE;
    try {
      const s = new KubernetesSecretStore(ctx(""), kc);
      await s.init();
      await expect(s.getSecret({ name: "db", metadata: {} })).rejects.toThrow(/namespace is missing/);
    } finally {
      if (saved !== undefined) process.env.NAMESPACE = saved;
    }
  });
});
