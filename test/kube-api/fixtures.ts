// Shared test objects: a small CRD of our own (widgets.example.com, two
// versions, status subresource, printer columns) and a Deployment.

export const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wdg"] },
    versions: ["v1alpha1", "v1"].map((name) => ({
      name,
      served: true,
      storage: name === "v1",
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: "Size", type: "integer", jsonPath: ".spec.size" },
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: {
            spec: {
              type: "object",
              required: ["size", "color"],
              properties: {
                size: { type: "integer", minimum: 1 },
                color: { type: "string", enum: ["red", "blue"] },
                mode: { type: "string", default: "normal" },
                parts: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string" }, count: { type: "integer" } } } },
                extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
            status: {
              type: "object",
              properties: {
                observedGeneration: { type: "integer", format: "int64" },
                conditions: { type: "array", items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" }, reason: { type: "string" } } } },
              },
            },
          },
        },
      },
    })),
  },
};

export function deployment(name: string, replicas = 2, annotations: Record<string, string> = {}, namespace = "default") {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, annotations }, spec: { containers: [{ name: "app", image: "example/app:1" }] } },
    },
  };
}
