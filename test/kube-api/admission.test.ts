import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deployment } from "./fixtures.js";
import { startKubeApi, type KubeApi } from "./server.js";
import { eventually, rawClient, type RawClient } from "./test-client.js";
import { createCertificateAuthority, createServingCertificate } from "./tls.js";

/** A tiny admission webhook: behaviour chosen by path; records what it was sent. */
function startWebhook(hosts: string[]) {
  const cert = createServingCertificate(hosts, createCertificateAuthority("test-webhook-ca"));
  const reviews: any[] = [];
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const review = JSON.parse(body);
      reviews.push({ path: req.url, review });
      const uid = review.request.uid;
      const answer = (response: object) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, ...response } }));
      };
      const hasLabels = !!review.request.object.metadata.labels;
      const patch = [
        ...(hasLabels ? [] : [{ op: "add", path: "/metadata/labels", value: {} }]),
        { op: "add", path: "/metadata/labels/mutated", value: "yes" },
      ];
      switch (req.url) {
        case "/mutate": return answer({ allowed: true, patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(patch)).toString("base64"), warnings: ["annotation dapr.io/app-port is not a number; using the default"] });
        case "/deny": return answer({ allowed: false, status: { code: 403, message: "pods named like that are not welcome" } });
        case "/slow": setTimeout(() => answer({ allowed: true }), 3000); return;
        case "/delay": setTimeout(() => answer({ allowed: true }), 20 + Math.random() * 30); return;
        case "/garbage": res.writeHead(200); res.end("not json"); return;
        default: return answer({ allowed: true });
      }
    });
  });
  return {
    caBundle: Buffer.from(cert.caPem).toString("base64"),
    reviews,
    async listen(): Promise<number> {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      return (server.address() as AddressInfo).port;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const urlHook = startWebhook(["127.0.0.1"]);
const svcHook = startWebhook(["hooks.webhooks.svc"]);
let urlPort = 0;
let svcPort = 0;
let api: KubeApi;
let c: RawClient;

beforeAll(async () => {
  urlPort = await urlHook.listen();
  svcPort = await svcHook.listen();
  api = await startKubeApi({
    namespaces: ["adm", "adm-off"],
    resolveService: (ns, name, port) => {
      if (ns !== "webhooks" || name !== "hooks" || port !== 443) throw new Error(`unknown service ${ns}/${name}:${port}`);
      return `127.0.0.1:${svcPort}`;
    },
  });
  c = rawClient(api);
});
afterEach(async () => {
  for (const m of api.list("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration")) {
    await api.delete("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", m.metadata.name!);
  }
  urlHook.reviews.length = 0;
  svcHook.reviews.length = 0;
});
afterAll(async () => {
  await c.close();
  await api.stop();
  await urlHook.close();
  await svcHook.close();
});

function mwc(name: string, path: string, extra: Record<string, unknown> = {}, clientConfig?: Record<string, unknown>) {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name },
    webhooks: [{
      name: `${name}.example.com`,
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
      clientConfig: clientConfig ?? { url: `https://127.0.0.1:${urlPort}${path}`, caBundle: urlHook.caBundle },
      rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
      failurePolicy: "Fail",
      ...extra,
    }],
  };
}

const pod = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { containers: [{ name: "app", image: "i" }] } });

describe("mutating admission", () => {
  it("calls a url webhook over TLS trusting its caBundle, applies its patch and returns its warnings", async () => {
    await api.create(mwc("m1", "/mutate"));
    const r = await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p1"));
    expect(r.status).toBe(201);
    expect(r.body.metadata.labels).toEqual({ mutated: "yes" });
    expect(r.headers.warning).toBe('299 - "annotation dapr.io/app-port is not a number; using the default"');
    const sent = urlHook.reviews[0].review;
    expect(sent).toMatchObject({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" });
    expect(sent.request).toMatchObject({
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      operation: "CREATE", namespace: "adm", name: "p1", dryRun: false,
    });
    expect(sent.request.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.request.object.metadata.name).toBe("p1");
  });

  it("sends UPDATE with the old object", async () => {
    await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p-upd"));
    await api.create(mwc("m-upd", "/allow"));
    await c.call("PATCH", "/api/v1/namespaces/adm/pods/p-upd", { metadata: { annotations: { x: "1" } } }, "application/merge-patch+json");
    const sent = urlHook.reviews[0].review.request;
    expect(sent.operation).toBe("UPDATE");
    expect(sent.oldObject.metadata.annotations).toBeUndefined();
    expect(sent.object.metadata.annotations).toEqual({ x: "1" });
  });

  it("resolves service references through resolveService and checks the certificate against the service DNS name", async () => {
    await api.create(mwc("m-svc", "", {}, { service: { namespace: "webhooks", name: "hooks", path: "/mutate" }, caBundle: svcHook.caBundle }));
    const r = await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p-svc"));
    expect(r.status).toBe(201);
    expect(r.body.metadata.labels.mutated).toBe("yes");
    expect(svcHook.reviews).toHaveLength(1);
  });

  it("pods created by a Deployment go through the same webhook", async () => {
    await api.create(mwc("m-dep", "/mutate"));
    await api.create(deployment("injected", 2, { "dapr.io/enabled": "true" }, "adm"));
    const pods = await eventually(() => {
      const ps = api.list("v1", "Pod", "adm").filter((p) => p.metadata.labels?.app === "injected");
      return ps.length === 2 ? ps : undefined;
    }, 5000, "two pods");
    for (const p of pods) expect(p.metadata.labels?.mutated).toBe("yes");
    const sent = urlHook.reviews.filter((x) => x.review.request.object.metadata.annotations?.["dapr.io/enabled"] === "true");
    expect(sent).toHaveLength(2);
    // As with ReplicaSet-made pods, the webhook sees generateName and no name yet.
    expect(sent[0].review.request.name).toBe("");
    expect(sent[0].review.request.object.metadata.generateName).toMatch(/^injected-[a-z0-9]{10}-$/);
  });

  it("refuses the write when the webhook's certificate is not signed by the caBundle (failurePolicy Fail)", async () => {
    await api.create(mwc("m-badca", "/mutate", {}, { url: `https://127.0.0.1:${urlPort}/mutate`, caBundle: svcHook.caBundle }));
    const r = await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p-badca"));
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ kind: "Status", reason: "InternalError", code: 500 });
    expect(r.body.message).toContain('failed calling webhook "m-badca.example.com"');
    expect((await c.call("GET", "/api/v1/namespaces/adm/pods/p-badca")).status).toBe(404);
  });

  it("ignores a failing webhook with failurePolicy Ignore", async () => {
    await api.create(mwc("m-ignore", "/garbage", { failurePolicy: "Ignore" }));
    const r = await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p-ignore"));
    expect(r.status).toBe(201);
    expect(r.body.metadata.labels ?? {}).toEqual({});
  });

  it("gives up on a webhook slower than timeoutSeconds", async () => {
    await api.create(mwc("m-slow", "/slow", { timeoutSeconds: 1 }));
    const r = await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p-slow"));
    expect(r.status).toBe(500);
    expect(r.body.message).toContain("m-slow.example.com");
    await api.delete("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "m-slow");
    await api.create(mwc("m-slow-ignore", "/slow", { timeoutSeconds: 1, failurePolicy: "Ignore" }));
    expect((await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p-slow2"))).status).toBe(201);
  });

  it("a denial becomes the client's error with the webhook's message", async () => {
    await api.create(mwc("m-deny", "/deny"));
    const r = await c.call("POST", "/api/v1/namespaces/adm/pods", pod("p-deny"));
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('admission webhook "m-deny.example.com" denied the request: pods named like that are not welcome');
  });

  it("calls only webhooks whose rules and selectors match", async () => {
    const ns = (await api.get("v1", "Namespace", "adm"))!;
    ns.metadata.labels = { ...ns.metadata.labels, inject: "on" };
    await api.apply(ns);
    await api.create(mwc("m-sel", "/mutate", {
      namespaceSelector: { matchLabels: { inject: "on" } },
      objectSelector: { matchExpressions: [{ key: "skip", operator: "DoesNotExist" }] },
    }));
    expect((await c.call("POST", "/api/v1/namespaces/adm/pods", pod("sel-yes"))).body.metadata.labels.mutated).toBe("yes");
    expect((await c.call("POST", "/api/v1/namespaces/adm/pods", pod("sel-skip", { skip: "1" }))).body.metadata.labels.mutated).toBeUndefined();
    expect((await c.call("POST", "/api/v1/namespaces/adm-off/pods", pod("sel-ns"))).body.metadata.labels?.mutated).toBeUndefined();
    await c.call("POST", "/api/v1/namespaces/adm/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "not-a-pod" } });
    expect(urlHook.reviews.map((x) => x.review.request.name)).toEqual(["sel-yes"]);
  });

  it("concurrent writes racing through a slow webhook: patches all land, preconditioned PUTs conflict", async () => {
    await api.create(mwc("m-delay", "/delay", { rules: [{ operations: ["UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }] }));
    const p = "/api/v1/namespaces/adm/configmaps";
    const created = (await c.call("POST", p, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "raced" }, data: {} })).body;
    const patches = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      c.call("PATCH", `${p}/raced`, { data: { [`k${i}`]: String(i) } }, "application/merge-patch+json")));
    expect(patches.map((r) => r.status)).toEqual(Array(8).fill(200));
    const now = (await c.call("GET", `${p}/raced`)).body;
    expect(Object.keys(now.data).sort()).toEqual(["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"]);
    const puts = await Promise.all(Array.from({ length: 5 }, (_, i) =>
      c.call("PUT", `${p}/raced`, { ...now, data: { only: String(i) } })));
    expect(puts.filter((r) => r.status === 200)).toHaveLength(1);
    expect(puts.filter((r) => r.status === 409)).toHaveLength(4);
    expect(Number(now.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
  });
});
