// The chart as `helm install` would apply it: CRDs first, then the rendered
// templates, with the real kubectl against the Kubernetes API double. Then
// Dapr documentation YAMLs are applied to the installed CRDs: valid ones are
// stored and listed with the printer columns; an invalid one is refused with
// the field named.
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../kube-api/kubectl.js";
import { daprDocsExamples } from "../support/dapr-docs-examples.js";
import { startKubeApi, type KubeApi } from "../kube-api/server.js";
import { renderChart, type RenderedChart } from "./render.js";

const toYamlStream = (objs: unknown[]): string => objs.map((o) => stringify(o)).join("---\n");

describe("the chart on the Kubernetes API double", () => {
  let api: KubeApi;
  let chart: RenderedChart;

  beforeAll(async () => {
    api = await startKubeApi({ namespaces: ["dapr-system"], controllers: false });
    chart = await renderChart();
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("applies the CRDs and every rendered object with kubectl", async () => {
    const crds = await kubectl(api, ["apply", "-f", "-"], toYamlStream(chart.crds));
    expect(crds.stderr).toBe("");
    expect(crds.code).toBe(0);
    const objects = await kubectl(api, ["apply", "-f", "-"], toYamlStream(chart.objects));
    expect(objects.stderr).toBe("");
    expect(objects.code).toBe(0);
    for (const o of chart.objects) {
      expect(api.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace), `${o.kind}/${o.metadata.name}`).toBeDefined();
    }
    // Applying again changes nothing and succeeds (helm upgrade with the same values).
    expect((await kubectl(api, ["apply", "-f", "-"], toYamlStream(chart.objects))).code).toBe(0);
  });

  it("stores Dapr documentation resources and lists them with TYPE and READY columns", async () => {
    const docs = [daprDocsExamples.redisWithSecretRef, daprDocsExamples.subscriptionV2].join("---\n");
    const applied = await kubectl(api, ["apply", "-f", "-"], docs);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    const listed = await kubectl(api, ["get", "components", "-n", "default"]);
    expect(listed.code).toBe(0);
    const [header, row] = listed.stdout.trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["NAME", "TYPE", "READY", "AGE"]);
    expect(row).toMatch(/^statestore\s+state\.redis\s+/);
    const subs = await kubectl(api, ["get", "subscriptions", "-n", "default"]);
    expect(subs.stdout.split("\n")[0]!.split(/\s+/)).toEqual(["NAME", "PUBSUB", "TOPIC", "READY", "AGE"]);
  });

  it("refuses a malformed Component, naming the field", async () => {
    const bad = `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: broken
  namespace: default
spec:
  version: v1
  metadata:
  - value: localhost:6379
`;
    const result = await kubectl(api, ["apply", "-f", "-"], bad);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("spec.type");
    expect(result.stderr).toContain("spec.metadata[0].name");
  });
});
