// The injector against the Kubernetes API double: its CA Secret, the caBundle
// it writes, and pods mutated through the API server's real admission path
// (TLS verified against that caBundle).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { startKubeApi, type KubeApi } from "../test/kube-api/server.js";
import { eventually } from "../test/kube-api/test-client.js";
import type { KubeObject } from "../test/kube-api/object-store.js";
import { main } from "./main.js";
import type { RunningInjectorServer } from "./server.js";
import { CoreV1Api } from "@kubernetes/client-node";
import { ensureCaSecret } from "./certs/ca-secret.js";
import { silentLogger } from "../sidecar/log/logger.js";

let api: KubeApi;
let injectorPort = 0;
const ns = "dapr-system";
const webhookName = "dapr-ts-sidecar-injector";

function webhookConfig(): KubeObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: webhookName },
    webhooks: [{
      name: "sidecar-injector.dapr.io",
      clientConfig: { service: { namespace: ns, name: "dapr-ts-sidecar-injector", path: "/mutate", port: 443 } },
      rules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }],
      failurePolicy: "Fail",
      sideEffects: "None",
      reinvocationPolicy: "IfNeeded",
      admissionReviewVersions: ["v1", "v1beta1"],
    }],
  };
}

function pod(name: string, annotations: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", annotations }, spec: { containers: [{ name: "app", image: "example/app:1" }] } };
}

async function startInjector(): Promise<{ stop: () => Promise<number>; server: RunningInjectorServer }> {
  const ac = new AbortController();
  let server!: RunningInjectorServer;
  let exited!: Promise<number>;
  await new Promise<void>((resolve, reject) => {
    exited = main(["--port", "0", "--healthz-port", "0", "--metrics-port", "0", "--namespace", ns, "--kubeconfig", api.kubeconfigPath, "--log-level", "error"], {
      env: {}, signal: ac.signal, onReady: (s) => { server = s; resolve(); },
    });
    exited.then((code) => reject(new Error(`injector exited early with ${code}`)), reject);
  });
  injectorPort = server.port;
  return { server, stop: async () => { ac.abort(); return exited; } };
}

beforeAll(async () => {
  api = await startKubeApi({ namespaces: [ns], controllers: false, resolveService: () => `127.0.0.1:${injectorPort}` });
});

afterAll(async () => {
  await api?.stop();
});

describe("injector with the Kubernetes API double", () => {
  it("creates its CA Secret, writes the caBundle, and injects pods through admission", async () => {
    const first = await startInjector();
    try {
      const secret = api.get("v1", "Secret", "dapr-ts-sidecar-injector-ca", ns);
      expect(secret).toBeDefined();
      const caPem = Buffer.from((secret!.data as Record<string, string>)["ca.crt"]!, "base64").toString("utf8");
      expect(caPem).toContain("BEGIN CERTIFICATE");

      // The webhook configuration appears after the injector started, as with a chart install.
      await api.create(webhookConfig());
      const bundle = await eventually(() => {
        const w = api.get("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", webhookName);
        return ((w?.webhooks as { clientConfig: { caBundle?: string } }[] | undefined)?.[0]?.clientConfig.caBundle) || undefined;
      }, 10_000, "caBundle written");
      expect(Buffer.from(bundle, "base64").toString("utf8")).toBe(caPem);

      const created = await api.create(pod("orders", { "dapr.io/enabled": "true", "dapr.io/app-id": "orders", "dapr.io/app-port": "abc" }));
      const spec = created.object.spec as { containers: { name: string; env?: { name: string }[] }[] };
      expect(spec.containers.map((c) => c.name)).toEqual(["app", "daprd"]);
      expect(spec.containers[0]!.env!.map((e) => e.name)).toEqual(["DAPR_HTTP_PORT", "DAPR_GRPC_PORT", "APP_PROTOCOL"]);
      expect(created.object.metadata.labels).toMatchObject({ "dapr.io/sidecar-injected": "true", "dapr.io/app-id": "orders" });
      expect(created.warnings).toEqual([expect.stringContaining("dapr.io/app-port: invalid value \"abc\"")]);

      const plain = await api.create(pod("plain", {}));
      expect((plain.object.spec as { containers: unknown[] }).containers).toHaveLength(1);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  it("reuses the CA across restarts, leaving Secret and caBundle untouched", async () => {
    const secretBefore = api.get("v1", "Secret", "dapr-ts-sidecar-injector-ca", ns)!;
    const hookBefore = api.get("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", webhookName)!;
    const again = await startInjector();
    try {
      // A pod goes through: the new serving certificate chains to the old CA in the caBundle.
      const created = await api.create(pod("orders-2", { "dapr.io/enabled": "true" }));
      expect((created.object.spec as { containers: { name: string }[] }).containers.at(-1)!.name).toBe("daprd");
      expect(api.get("v1", "Secret", "dapr-ts-sidecar-injector-ca", ns)!.metadata.resourceVersion).toBe(secretBefore.metadata.resourceVersion);
      expect(api.get("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", webhookName)!.metadata.resourceVersion)
        .toBe(hookBefore.metadata.resourceVersion);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  it("replaces a Secret that holds no usable CA, then keeps the new one", async () => {
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    await api.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "broken-ca", namespace: ns }, data: { "ca.crt": Buffer.from("junk").toString("base64") } });
    const replaced = await ensureCaSecret(core, ns, "broken-ca", silentLogger);
    expect(replaced.created).toBe(true);
    const stored = api.get("v1", "Secret", "broken-ca", ns)!.data as Record<string, string>;
    expect(Buffer.from(stored["ca.crt"]!, "base64").toString("utf8")).toBe(replaced.ca.certPem);
    const reused = await ensureCaSecret(core, ns, "broken-ca", silentLogger);
    expect(reused).toEqual({ ca: replaced.ca, created: false });
  });
});
