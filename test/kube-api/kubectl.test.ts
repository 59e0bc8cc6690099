// Real kubectl (v1.32, on the machine) against the double.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprDocsExamples } from "../support/dapr-docs-examples.js";
import { widgetCrd } from "./fixtures.js";
import { kubectl } from "./kubectl.js";
import { startKubeApi, type KubeApi } from "./server.js";
import { eventually } from "./test-client.js";
import { createServingCertificate } from "./tls.js";

let api: KubeApi;
const dir = mkdtempSync(path.join(os.tmpdir(), "kubectl-test-"));
const file = (name: string, docs: unknown[]) => {
  const p = path.join(dir, name);
  writeFileSync(p, docs.map((d) => toYaml(d)).join("---\n"));
  return p;
};

beforeAll(async () => {
  api = await startKubeApi();
});
afterAll(async () => {
  await api.stop();
});

const app = (replicas: number, env: { name: string; value: string }[]) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "shop", labels: { app: "shop" } },
  spec: {
    replicas,
    selector: { matchLabels: { app: "shop" } },
    template: {
      metadata: { labels: { app: "shop" } },
      spec: { containers: [{ name: "shop", image: "example/shop:1", env, ports: [{ containerPort: 8080 }] }, { name: "helper", image: "example/helper:1" }] },
    },
  },
});
const extras = [
  { apiVersion: "v1", kind: "Service", metadata: { name: "shop" }, spec: { selector: { app: "shop" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } },
  { apiVersion: "v1", kind: "Secret", metadata: { name: "shop-secret" }, stringData: { password: "s3cret" } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shop-config" }, data: { mode: "fast" } },
];

describe("kubectl apply / get / delete", { timeout: 60_000 }, () => {
  it("applies a multi-document file, and applying it again changes nothing", async () => {
    const f = file("shop.yaml", [app(2, [{ name: "A", value: "1" }]), ...extras]);
    const first = await kubectl(api, ["apply", "-f", f]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("deployment.apps/shop created");
    expect(first.stdout).toContain("service/shop created");
    expect(first.stdout).toContain("secret/shop-secret created");
    const rv = api.get("apps/v1", "Deployment", "shop")!.metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 100)); // let the controller settle the status
    const rvSettled = api.get("apps/v1", "Deployment", "shop")!.metadata.resourceVersion;
    const second = await kubectl(api, ["apply", "-f", f]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("deployment.apps/shop unchanged");
    expect(second.stdout).toContain("configmap/shop-config unchanged");
    expect(api.get("apps/v1", "Deployment", "shop")!.metadata.resourceVersion).toBe(rvSettled);
    expect(Number(rvSettled)).toBeGreaterThanOrEqual(Number(rv));
    expect(api.get("v1", "Secret", "shop-secret")!.data).toEqual({ password: Buffer.from("s3cret").toString("base64") });
  });

  it("applies a changed file as a strategic merge patch: containers merged by name, removed fields removed", async () => {
    const f = file("shop2.yaml", [app(3, [{ name: "B", value: "2" }]), ...extras]);
    const r = await kubectl(api, ["apply", "-f", f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("deployment.apps/shop configured");
    expect(api.requests.some((q) => q.method === "PATCH" && q.url.startsWith("/apis/apps/v1/namespaces/default/deployments/shop"))).toBe(true);
    const d = api.get("apps/v1", "Deployment", "shop")!;
    const spec = d.spec as any;
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers.map((c: any) => c.name)).toEqual(["shop", "helper"]);
    expect(spec.template.spec.containers[0].env).toEqual([{ name: "B", value: "2" }]);
    expect(d.metadata.generation).toBe(2);
    await eventually(() => api.list("v1", "Pod").filter((p) => p.metadata.labels?.app === "shop").length === 3, 5000, "three pods");
    expect((await kubectl(api, ["apply", "-f", f])).stdout).toContain("deployment.apps/shop unchanged");
  });

  it("gets objects as a table and as YAML", async () => {
    const table = await kubectl(api, ["get", "deployments"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+AGE$/);
    expect(table.stdout).toMatch(/\nshop\s+\d+s\n/);
    const y = await kubectl(api, ["get", "deployment", "shop", "-o", "yaml"]);
    expect(y.code).toBe(0);
    expect(y.stdout).toContain("kind: Deployment");
    expect(y.stdout).toContain("kubectl.kubernetes.io/last-applied-configuration");
    const j = JSON.parse((await kubectl(api, ["get", "pods", "-l", "app=shop", "-o", "json"])).stdout);
    expect(j.items).toHaveLength(3);
    const missing = await kubectl(api, ["get", "deployment", "nope"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "nope" not found');
  });

  it("deletes a deployment, and its pods go with it", async () => {
    const r = await kubectl(api, ["delete", "deployment", "shop"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps "shop" deleted');
    await eventually(() => api.list("v1", "Pod").filter((p) => p.metadata.labels?.app === "shop").length === 0, 5000, "pods gone");
    const rest = await kubectl(api, ["delete", "-f", path.join(dir, "shop2.yaml"), "--ignore-not-found"]);
    expect(rest.code).toBe(0);
    expect(api.get("v1", "Service", "shop")).toBeUndefined();
  });
});

describe("kubectl create subcommands (protobuf bodies)", { timeout: 60_000 }, () => {
  it("creates namespaces, secrets, configmaps and service accounts", async () => {
    expect((await kubectl(api, ["create", "namespace", "pb"])).stdout).toContain("namespace/pb created");
    expect((await kubectl(api, ["create", "secret", "generic", "pb-secret", "-n", "pb", "--from-literal=password=p4ss", "--type=Opaque"])).stdout).toContain("secret/pb-secret created");
    expect((await kubectl(api, ["create", "configmap", "pb-cm", "-n", "pb", "--from-literal=a=1", "--from-literal=b=2"])).stdout).toContain("configmap/pb-cm created");
    expect((await kubectl(api, ["create", "serviceaccount", "pb-sa", "-n", "pb"])).stdout).toContain("serviceaccount/pb-sa created");
    expect(api.get("v1", "Secret", "pb-secret", "pb")!.data).toEqual({ password: Buffer.from("p4ss").toString("base64") });
    expect(api.get("v1", "ConfigMap", "pb-cm", "pb")!.data).toEqual({ a: "1", b: "2" });
    expect(api.get("v1", "ServiceAccount", "pb-sa", "pb")).toBeDefined();
    expect((await kubectl(api, ["label", "namespace", "pb", "dapr=on"])).code).toBe(0);
    expect(api.get("v1", "Namespace", "pb")!.metadata.labels).toEqual({ dapr: "on" });
  });

  it("explains which kinds it cannot take as protobuf", async () => {
    const r = await kubectl(api, ["create", "deployment", "pb-dep", "--image=nginx"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("send apps/v1 Deployment as JSON");
  });

  it("scales a deployment through the scale subresource", async () => {
    await kubectl(api, ["apply", "-f", file("scale.yaml", [{ ...app(1, []), metadata: { name: "scaly", labels: { app: "scaly" } }, spec: { ...app(1, []).spec, selector: { matchLabels: { app: "scaly" } }, template: { ...app(1, []).spec.template, metadata: { labels: { app: "scaly" } } } } }])]);
    const r = await kubectl(api, ["scale", "deployment", "scaly", "--replicas=3"]);
    expect(r.stdout).toContain("deployment.apps/scaly scaled");
    await eventually(() => api.list("v1", "Pod").filter((p) => p.metadata.labels?.app === "scaly").length === 3, 5000, "three pods");
    const status = await kubectl(api, ["rollout", "status", "deployment/scaly", "--timeout=5s"]);
    expect(status.stdout).toContain('deployment "scaly" successfully rolled out');
    const available = await kubectl(api, ["wait", "--for=condition=Available", "deployment/scaly", "--timeout=5s"]);
    expect(available.stdout).toContain("deployment.apps/scaly condition met");
    const ready = await kubectl(api, ["wait", "--for=condition=Ready", "pod", "-l", "app=scaly", "--timeout=5s"]);
    expect(ready.code).toBe(0);
    expect(ready.stdout.match(/condition met/g)).toHaveLength(3);
  });
});

describe("kubectl with custom resources", { timeout: 60_000 }, () => {
  it("applies a CRD, then objects of it, shows printer columns, and prints schema errors", async () => {
    const crd = await kubectl(api, ["apply", "-f", file("crd.yaml", [widgetCrd])]);
    expect(crd.code).toBe(0);
    expect(crd.stdout).toContain("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created");
    const w = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 3, color: "blue" } };
    const f = file("w.yaml", [w]);
    expect((await kubectl(api, ["apply", "-f", f])).stdout).toContain("widget.example.com/w1 created");
    expect((await kubectl(api, ["apply", "-f", f])).stdout).toContain("widget.example.com/w1 unchanged");
    await api.core.patch(
      { type: api.typeOf("example.com/v1", "Widget")!, version: "v1", namespace: "default", name: "w1", subresource: "status" },
      "merge",
      JSON.stringify({ status: { conditions: [{ type: "Ready", status: "True" }] } }),
    );
    const get = await kubectl(api, ["get", "widgets"]);
    expect(get.code).toBe(0);
    const [header, row] = get.stdout.trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["NAME", "SIZE", "READY", "AGE"]);
    expect(row!.split(/\s+/).slice(0, 3)).toEqual(["w1", "3", "True"]);
    expect((await kubectl(api, ["get", "wdg", "w1", "-o", "jsonpath={.spec.mode}"])).stdout).toBe("normal");

    const bad = await kubectl(api, ["apply", "-f", file("bad.yaml", [{ ...w, metadata: { name: "w-bad" }, spec: { size: 0, color: "green" } }])]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The Widget "w-bad" is invalid');
    expect(bad.stderr).toContain('spec.color: Unsupported value: "green": supported values: "red", "blue"');
    expect(bad.stderr).toContain("spec.size");

    const unknown = await kubectl(api, ["apply", "-f", file("unknown.yaml", [{ ...w, metadata: { name: "w-unknown" }, spec: { size: 1, color: "red", colour: "red" } }])]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('strict decoding error: unknown field "spec.colour"');

    const del = await kubectl(api, ["delete", "widget", "w1"]);
    expect(del.stdout).toContain('widget.example.com "w1" deleted');
    expect(api.get("example.com/v1", "Widget", "w1")).toBeUndefined();
  });

  it("applies the dapr.io Component CRD and a Component from Dapr's docs", async () => {
    const crd = await kubectl(api, ["apply", "-f", path.resolve("crds/components.yaml")]);
    expect(crd.stderr).toBe("");
    expect(crd.stdout).toContain("components.dapr.io");
    const component = daprDocsExamples.redisStateStore;
    const p = path.join(dir, "statestore.yaml");
    writeFileSync(p, component);
    const r = await kubectl(api, ["apply", "-f", p]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("component.dapr.io/statestore created");
    expect((await kubectl(api, ["apply", "-f", p])).stdout).toContain("component.dapr.io/statestore unchanged");
    const stored = api.get("dapr.io/v1alpha1", "Component", "statestore")!;
    expect((stored.spec as any).metadata).toEqual([{ name: "redisHost", value: "localhost:6379" }, { name: "redisPassword", value: "" }, { name: "actorStateStore", value: "true" }]);
    const header = (await kubectl(api, ["get", "components"])).stdout.split("\n")[0]!;
    expect(header.split(/\s+/)).toEqual(expect.arrayContaining(["NAME", "TYPE", "READY", "AGE"]));
    expect(readFileSync(p, "utf8")).toBe(component);
  });
});

describe("kubectl shows admission warnings", { timeout: 60_000 }, () => {
  it("prints a webhook's warnings", async () => {
    const cert = createServingCertificate(["127.0.0.1"]);
    const hook = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const uid = JSON.parse(body).request.uid;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid, allowed: true, warnings: ['dapr.io/app-port: "abc" is not a port number; the default is used'] } }));
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    try {
      await api.create({
        apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name: "warn" },
        webhooks: [{
          name: "warn.example.com", admissionReviewVersions: ["v1"], sideEffects: "None", failurePolicy: "Fail",
          clientConfig: { url: `https://127.0.0.1:${(hook.address() as AddressInfo).port}/`, caBundle: Buffer.from(cert.caPem).toString("base64") },
          rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        }],
      });
      const r = await kubectl(api, ["apply", "-f", file("pod.yaml", [{ apiVersion: "v1", kind: "Pod", metadata: { name: "warned" }, spec: { containers: [{ name: "c", image: "i" }] } }])]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('Warning: dapr.io/app-port: "abc" is not a port number; the default is used');
      expect(r.stdout).toContain("pod/warned created");
    } finally {
      hook.closeAllConnections();
      await new Promise<void>((r) => hook.close(() => r()));
    }
  });
});
