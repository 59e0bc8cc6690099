// One conformance suite for every secret store: each target seeds the same
// two secrets its own way, declares its features, and must answer get, bulk
// get and a missing secret the same way. A feature a store does not claim
// must be absent from `features()`.
import http from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../sidecar/log/logger.js";
import type { ComponentContext, Properties } from "../../../sidecar/components/component.js";
import { KubernetesSecretStore } from "../../../sidecar/components/secretstores/kubernetes/index.js";
import { LocalEnvSecretStore } from "../../../sidecar/components/secretstores/local-env/index.js";
import { SecretNotFoundError, secretStoreRegistry, type SecretStore, type SecretStoreFeature } from "../../../sidecar/components/secretstores/index.js";
import { uniqueName } from "../../support/services.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-secret-conf-"));
const prefix = uniqueName("CONF").replace(/-/g, "_").toUpperCase() + "_";
const env = { [`${prefix}alpha`]: "one", [`${prefix}beta`]: "two" };

// A minimal Kubernetes API answering secret reads for namespace "conf".
const kubeSecrets: Record<string, Record<string, string>> = {
  alpha: { alpha: Buffer.from("one").toString("base64") },
  beta: { beta: Buffer.from("two").toString("base64") },
};
const kubeApi = http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  const m = /^\/api\/v1\/namespaces\/conf\/secrets(?:\/([^/?]+))?/.exec(req.url ?? "");
  if (!m) { res.statusCode = 404; res.end(JSON.stringify({ kind: "Status", code: 404 })); return; }
  if (!m[1]) { res.end(JSON.stringify({ kind: "SecretList", items: Object.entries(kubeSecrets).map(([name, data]) => ({ metadata: { name }, data })) })); return; }
  const data = kubeSecrets[m[1]];
  if (!data) { res.statusCode = 404; res.end(JSON.stringify({ kind: "Status", code: 404, reason: "NotFound" })); return; }
  res.end(JSON.stringify({ kind: "Secret", metadata: { name: m[1] }, data }));
});
let kubeConfig: KubeConfig;

interface Target {
  name: string;
  features: SecretStoreFeature[];
  make(): SecretStore;
}

function ctx(type: string, properties: Properties, namespace = "default"): ComponentContext {
  return { name: "secrets", type, version: "v1", properties, appId: "conformance", namespace, logger: silentLogger };
}

const targets: Target[] = [
  {
    name: "secretstores.local.file",
    features: [],
    make: () => {
      const f = path.join(dir, "single.json");
      writeFileSync(f, JSON.stringify({ alpha: "one", beta: "two" }));
      return secretStoreRegistry.create(ctx("secretstores.local.file", { secretsFile: f }));
    },
  },
  {
    name: "secretstores.local.file (multiValued)",
    features: ["MULTIPLE_KEY_VALUES_PER_SECRET"],
    make: () => {
      const f = path.join(dir, "multi.json");
      writeFileSync(f, JSON.stringify({ alpha: "one", beta: "two" }));
      return secretStoreRegistry.create(ctx("secretstores.local.file", { secretsFile: f, multiValued: "true" }));
    },
  },
  {
    name: "secretstores.local.env",
    features: [],
    make: () => new LocalEnvSecretStore(ctx("secretstores.local.env", { prefix }), env),
  },
  {
    name: "secretstores.kubernetes",
    features: [],
    make: () => new KubernetesSecretStore(ctx("secretstores.kubernetes", {}, "conf"), kubeConfig),
  },
];

beforeAll(async () => {
  await new Promise<void>((r) => kubeApi.listen(0, "127.0.0.1", r));
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(kubeApi.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
});
afterAll(() => new Promise<void>((r) => kubeApi.close(() => r())));

describe.each(targets)("secret store conformance: $name", (t) => {
  let store: SecretStore;
  beforeAll(async () => {
    store = t.make();
    await store.init();
  });
  afterAll(() => store?.close());

  it("announces exactly its declared features", () => {
    expect([...store.features()].sort()).toEqual([...t.features].sort());
  });

  it("gets a secret as a key/value map", async () => {
    expect(await store.getSecret({ name: "alpha", metadata: {} })).toEqual({ alpha: "one" });
  });

  it("bulk-gets every secret by name", async () => {
    const all = await store.bulkGetSecret({ metadata: {} });
    expect(all["alpha"]).toEqual({ alpha: "one" });
    expect(all["beta"]).toEqual({ beta: "two" });
  });

  it("throws SecretNotFoundError for a missing secret", async () => {
    await expect(store.getSecret({ name: "missing-" + uniqueName("s"), metadata: {} })).rejects.toBeInstanceOf(SecretNotFoundError);
  });
});

describe("secret store bad input", () => {
  it("a secrets file that is not valid JSON fails init naming the file", async () => {
    const f = path.join(dir, "broken.json");
    writeFileSync(f, '{"a": ');
    await expect(secretStoreRegistry.create(ctx("secretstores.local.file", { secretsFile: f })).init()).rejects.toThrow(f);
  });

  it("an unknown secret store type lists the known ones", () => {
    expect(() => secretStoreRegistry.create(ctx("secretstores.nope", {}))).toThrow(/secretstores\.local\.file/);
  });
});
