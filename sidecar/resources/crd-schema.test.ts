import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { seedResiliencyPath } from "../../demo/demo-resources.js";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { daprDocsExamples } from "../../test/support/dapr-docs-examples.js";
import {
  cachedCrds, crdDigest, crdParseCache, findCrdsDir, formatAjvErrors, knownResources, loadCrds, parseCrdTexts, prebuiltValidators,
  readCrdTexts, validateResource, type CrdTexts, type JsonSchemaProps,
} from "./crd-schema.js";
import { crdValidatorsModule } from "../../tools/crd-artifacts.js";

// The examples are from Dapr's documentation (test/support/dapr-docs-examples.ts)
// and the project's seed, not written to fit.
const docs = {
  ...daprDocsExamples,
  seedResiliency: readFileSync(seedResiliencyPath, "utf8"),
};

function doc(name: keyof typeof docs): Record<string, any> {
  return parse(docs[name]) as Record<string, any>;
}

function errorsOf(obj: unknown): string[] {
  const result = validateResource(obj);
  if (result.ok) throw new Error(`expected validation to fail, it passed (${JSON.stringify(obj).slice(0, 200)})`);
  return result.errors;
}

describe("validateResource: Dapr documentation examples", () => {
  it.each([
    ["redisWithSecretRef", "Component", "dapr.io/v1alpha1"],
    ["redisWithEnvRef", "Component", "dapr.io/v1alpha1"],
    ["redisStateStore", "Component", "dapr.io/v1alpha1"],
    ["seedResiliency", "Resiliency", "dapr.io/v1alpha1"],
    ["docsResiliency", "Resiliency", "dapr.io/v1alpha1"],
    ["subscriptionV1", "Subscription", "dapr.io/v1alpha1"],
    ["subscriptionV2", "Subscription", "dapr.io/v2alpha1"],
    ["configuration", "Configuration", "dapr.io/v1alpha1"],
    ["controlPlaneConfiguration", "Configuration", "dapr.io/v1alpha1"],
    ["nameResolutionConfiguration", "Configuration", "dapr.io/v1alpha1"],
    ["apiAllowlistConfiguration", "Configuration", "dapr.io/v1alpha1"],
  ] as const)("%s is valid", (name, kind, apiVersion) => {
    expect(validateResource(doc(name))).toEqual({ ok: true, kind, apiVersion, warnings: [] });
  });

  it("accepts a status written by the operator", () => {
    const component = doc("redisWithSecretRef");
    component.status = {
      observedGeneration: 2,
      conditions: [
        { type: "Ready", status: "True", reason: "Initialized", message: "ok", lastTransitionTime: "2024-05-01T10:00:00Z", observedGeneration: 2 },
      ],
    };
    expect(validateResource(component).ok).toBe(true);
  });
});

describe("validateResource: malformed resources name the field", () => {
  it("reports a missing required field of a list item with its index", () => {
    const component = doc("redisWithSecretRef");
    delete component.spec.metadata[1].name;
    expect(errorsOf(component)).toContain("spec.metadata[1].name: must have required property 'name'");
  });

  it("reports a missing spec.type", () => {
    const component = doc("redisWithSecretRef");
    delete component.spec.type;
    expect(errorsOf(component)).toEqual(["spec.type: must have required property 'type'"]);
  });

  it("reports a wrong type", () => {
    const component = doc("redisWithEnvRef");
    component.spec.ignoreErrors = "yes";
    expect(errorsOf(component)).toEqual(["spec.ignoreErrors: must be boolean"]);
  });

  it("reports a secretKeyRef without key", () => {
    const component = doc("redisWithSecretRef");
    delete component.spec.metadata[1].secretKeyRef.key;
    expect(errorsOf(component)).toEqual(["spec.metadata[1].secretKeyRef.key: must have required property 'key'"]);
  });

  it("reports every problem at once", () => {
    const component = doc("redisWithSecretRef");
    delete component.spec.version;
    component.scopes = "checkout";
    const errors = errorsOf(component);
    expect(errors).toContain("spec.version: must have required property 'version'");
    expect(errors).toContain("scopes: must be array");
  });

  it("names map keys in Resiliency policies", () => {
    const resiliency = doc("seedResiliency");
    resiliency.spec.policies.retries.pubsubRetry.maxRetries = "five";
    resiliency.spec.targets.apps["payment-service"].circuitBreakerCacheSize = 1.5;
    const errors = errorsOf(resiliency);
    expect(errors).toContain("spec.policies.retries.pubsubRetry.maxRetries: must be integer");
    expect(errors).toContain("spec.targets.apps.payment-service.circuitBreakerCacheSize: must be integer");
  });

  it("quotes map keys that are not identifiers", () => {
    const resiliency = doc("seedResiliency");
    resiliency.spec.policies.timeouts["very important"] = 30;
    expect(errorsOf(resiliency)).toEqual(['spec.policies.timeouts["very important"]: must be string']);
  });

  it("requires Resiliency targets", () => {
    const resiliency = doc("seedResiliency");
    delete resiliency.spec.targets;
    expect(errorsOf(resiliency)).toEqual(["spec.targets: must have required property 'targets'"]);
  });

  it("requires routes on v2alpha1 and route on v1alpha1", () => {
    const v2 = doc("subscriptionV2");
    delete v2.spec.routes;
    expect(errorsOf(v2)).toEqual(["spec.routes: must have required property 'routes'"]);
    const v1 = doc("subscriptionV1");
    delete v1.spec.route;
    expect(errorsOf(v1)).toEqual(["spec.route: must have required property 'route'"]);
  });

  it("checks routing rules", () => {
    const v2 = doc("subscriptionV2");
    delete v2.spec.routes.rules[1].path;
    expect(errorsOf(v2)).toEqual(["spec.routes.rules[1].path: must have required property 'path'"]);
  });

  it("checks subscription metadata values are strings", () => {
    const v1 = doc("subscriptionV1");
    v1.spec.metadata.rawPayload = true;
    expect(errorsOf(v1)).toEqual(["spec.metadata.rawPayload: must be string"]);
  });

  it("checks Configuration fields", () => {
    const config = doc("configuration");
    config.spec.features[0].enabled = "true";
    delete config.spec.accessControl.policies[0].operations[0].action;
    const errors = errorsOf(config);
    expect(errors).toContain("spec.features[0].enabled: must be boolean");
    expect(errors).toContain("spec.accessControl.policies[0].operations[0].action: must have required property 'action'");
  });

  it("lists the allowed values of an enum", () => {
    const component = doc("redisWithSecretRef");
    component.status = { conditions: [{ type: "Ready", status: "Maybe" }] };
    expect(errorsOf(component)).toEqual(['status.conditions[0].status: must be one of "True", "False", "Unknown"']);
  });

  it("checks formats", () => {
    const component = doc("redisWithSecretRef");
    component.status = { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "yesterday" }] };
    expect(errorsOf(component)).toEqual(['status.conditions[0].lastTransitionTime: must match format "date-time"']);
  });

  it("requires metadata.name", () => {
    const component = doc("redisWithSecretRef");
    delete component.metadata.name;
    expect(errorsOf(component)).toEqual(["metadata.name: must have required property 'name'"]);
    delete component.metadata;
    expect(errorsOf(component)).toEqual(["metadata: must have required property 'metadata'"]);
  });

  it("requires a spec", () => {
    const component = doc("redisWithSecretRef");
    delete component.spec;
    expect(errorsOf(component)).toEqual(["spec: must have required property 'spec'"]);
  });

  it("rejects an unknown apiVersion or kind, listing the known ones", () => {
    const [error] = errorsOf({ ...doc("redisWithSecretRef"), apiVersion: "dapr.io/v9" });
    expect(error).toContain("unknown resource dapr.io/v9 Component");
    for (const known of ["dapr.io/v1alpha1 Component", "dapr.io/v1alpha1 Resiliency", "dapr.io/v1alpha1 Subscription", "dapr.io/v2alpha1 Subscription", "dapr.io/v1alpha1 Configuration"]) {
      expect(error).toContain(known);
    }
    expect(errorsOf({ ...doc("redisWithSecretRef"), kind: "HTTPEndpoint" })[0]).toContain("unknown resource dapr.io/v1alpha1 HTTPEndpoint");
  });

  it("rejects input that is not a resource, without throwing", () => {
    expect(errorsOf(null)).toEqual(["resource must be an object, got null"]);
    expect(errorsOf("kind: Component")).toEqual(["resource must be an object, got string"]);
    expect(errorsOf([doc("redisWithSecretRef")])).toEqual(["resource must be an object, got an array"]);
    expect(errorsOf({})).toEqual(["apiVersion: must be a non-empty string", "kind: must be a non-empty string"]);
    expect(errorsOf({ apiVersion: 1, kind: "Component" })).toEqual(["apiVersion: must be a non-empty string"]);
  });
});

describe("validateResource: unknown fields", () => {
  function withTypo(): Record<string, any> {
    const component = doc("redisWithSecretRef");
    component.spec.metdata = [];
    component.spec.metadata[0].valeu = "x";
    return component;
  }

  it("are warnings by default, so Dapr YAMLs with stray fields still load", () => {
    expect(validateResource(withTypo())).toEqual({
      ok: true,
      kind: "Component",
      apiVersion: "dapr.io/v1alpha1",
      warnings: ["spec.metadata[0].valeu: unknown field", "spec.metdata: unknown field"],
    });
  });

  it("are errors with unknownFields: reject (kubectl's strict field validation)", () => {
    const result = validateResource(withTypo(), { unknownFields: "reject" });
    expect(result).toEqual({ ok: false, errors: ["spec.metadata[0].valeu: unknown field", "spec.metdata: unknown field"] });
  });

  it("are not reported with unknownFields: ignore", () => {
    expect(validateResource(withTypo(), { unknownFields: "ignore" })).toMatchObject({ ok: true, warnings: [] });
  });

  it("are allowed where the schema preserves them and inside metadata", () => {
    const component = doc("redisWithEnvRef");
    component.spec.metadata.push({ name: "complex", value: { nested: { deep: [1, 2] } } });
    component.metadata.labels = { team: "a" };
    component.metadata.annotations = { note: "b" };
    const config = doc("nameResolutionConfiguration");
    config.spec.nameResolution.configuration.advancedRegistration = { name: "x", port: 1 };
    expect(validateResource(component, { unknownFields: "reject" }).ok).toBe(true);
    expect(validateResource(config, { unknownFields: "reject" }).ok).toBe(true);
  });
});

describe("validateResource: does not mutate its input", () => {
  it("leaves valid and invalid objects untouched", () => {
    for (const name of Object.keys(docs) as (keyof typeof docs)[]) {
      const obj = deepFreeze(doc(name));
      const before = JSON.stringify(obj);
      validateResource(obj);
      validateResource(obj, { unknownFields: "reject" });
      expect(JSON.stringify(obj)).toBe(before);
    }
    const invalid = deepFreeze({ ...doc("configuration"), spec: { metric: { enabled: "no" }, extra: 1 } });
    const before = JSON.stringify(invalid);
    expect(validateResource(invalid).ok).toBe(false);
    expect(JSON.stringify(invalid)).toBe(before);
  });
});

describe("loadCrds", () => {
  const crds = loadCrds();
  const byKind = new Map(crds.map((c) => [c.spec.names.kind, c]));

  it("has the four dapr.io kinds with Dapr's names", () => {
    expect([...byKind.keys()].sort()).toEqual(["Component", "Configuration", "Resiliency", "Subscription"]);
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      "components.dapr.io",
      "configurations.dapr.io",
      "resiliencies.dapr.io",
      "subscriptions.dapr.io",
    ]);
    for (const crd of crds) {
      expect(crd.apiVersion).toBe("apiextensions.k8s.io/v1");
      expect(crd.spec.group).toBe("dapr.io");
      expect(crd.spec.scope).toBe("Namespaced");
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.dapr.io`);
      expect(crd.spec.versions.filter((v) => v.storage)).toHaveLength(1);
    }
  });

  it("serves Subscription v1alpha1 and v2alpha1, storing v2alpha1, without a conversion webhook", () => {
    const sub = byKind.get("Subscription")!;
    expect(sub.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      ["v1alpha1", true, false],
      ["v2alpha1", true, true],
    ]);
    expect(sub.spec.conversion).toEqual({ strategy: "None" });
  });

  it("gives every version a status subresource and READY/AGE printer columns", () => {
    for (const crd of crds) {
      for (const version of crd.spec.versions) {
        expect(version.subresources?.status).toEqual({});
        const columns = version.additionalPrinterColumns ?? [];
        expect(columns).toContainEqual({ name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' });
        expect(columns.at(-1)).toEqual({ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" });
        const status = version.schema!.openAPIV3Schema.properties!.status!;
        expect(status.properties!.observedGeneration!.type).toBe("integer");
        expect(Object.keys(status.properties!.conditions!.items!.properties!).sort()).toEqual(
          ["lastTransitionTime", "message", "observedGeneration", "reason", "status", "type"],
        );
      }
    }
    expect(byKind.get("Component")!.spec.versions[0]!.additionalPrinterColumns![0]).toEqual({ name: "Type", type: "string", jsonPath: ".spec.type" });
  });

  it("has structural schemas (every node typed, every object with declared fields)", () => {
    for (const crd of crds) {
      for (const version of crd.spec.versions) {
        expect(structuralProblems(version.schema!.openAPIV3Schema, crd.metadata.name, true)).toEqual([]);
      }
    }
  });

  it("returns a copy the caller may change", () => {
    const mine = loadCrds();
    mine[0]!.spec.versions[0]!.schema!.openAPIV3Schema.properties = {};
    expect(loadCrds()[0]!.spec.versions[0]!.schema!.openAPIV3Schema.properties).not.toEqual({});
    expect(validateResource(doc("redisWithSecretRef")).ok).toBe(true);
  });

  it("knows the served versions", () => {
    expect(knownResources()).toHaveLength(5);
  });
});

describe("findCrdsDir", () => {
  it("finds the repository crds/ from the compiled output folder as from the source folder", () => {
    const fromSource = findCrdsDir();
    const repoRoot = path.dirname(fromSource);
    expect(findCrdsDir(path.join(repoRoot, "dist", "sidecar", "resources"))).toBe(fromSource);
  });

  it("fails clearly when there is none", () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), "no-crds-"));
    expect(() => findCrdsDir(empty)).toThrow(/cannot find a crds\/ folder/);
  });
});

/** What the API server would reject as non-structural; `metadata` at the root is the one allowed opaque object. */
function structuralProblems(node: JsonSchemaProps, at: string, root = false): string[] {
  const problems: string[] = [];
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (!node.type && !node["x-kubernetes-int-or-string"] && !preserve) problems.push(`${at}: no type`);
  if (node.type === "object" && !node.properties && !node.additionalProperties && !preserve) problems.push(`${at}: object without fields`);
  if (node.type === "array" && !node.items) problems.push(`${at}: array without items`);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if (root && name === "metadata") continue;
    problems.push(...structuralProblems(child, `${at}.${name}`));
  }
  if (node.items) problems.push(...structuralProblems(node.items, `${at}[]`));
  if (typeof node.additionalProperties === "object") problems.push(...structuralProblems(node.additionalProperties, `${at}{}`));
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe("what the build prepares from the CRDs (tools/crd-artifacts.ts)", () => {
  const texts = readCrdTexts();
  const digest = crdDigest(texts);
  // Inside the repository (.tmp/ is ignored), so the compiled validators' requires find node_modules.
  const repoTmp = path.join(findCrdsDir(), "..", ".tmp");
  mkdirSync(repoTmp, { recursive: true });
  const dir = mkdtempSync(path.join(repoTmp, "crd-artifacts-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const shipped = path.join(findCrdsDir(), "..", "dist", "bundle");

  it("gives the CRDs parsed from the files it was made from", () => {
    const file = write("crds.json", crdParseCache(texts));
    expect(cachedCrds(digest, file)).toEqual(parseCrdTexts(texts));
  });

  it("is not used once a CRD file's name or text differs from the ones it was made from", () => {
    const file = write("crds.json", crdParseCache(texts));
    const edited: CrdTexts = texts.map(([f, t], i) => [f, i === 0 ? `${t}\n# edited\n` : t]);
    expect(cachedCrds(crdDigest(edited), file)).toBeUndefined();
    const renamed: CrdTexts = texts.map(([f, t], i) => [i === 0 ? `x-${f}` : f, t]);
    expect(cachedCrds(crdDigest(renamed), file)).toBeUndefined();
    const validators = write("validators.cjs", crdValidatorsModule(texts));
    expect(prebuiltValidators(crdDigest(edited), validators)).toBeUndefined();
  });

  it("is not used when it is missing or unreadable", () => {
    expect(cachedCrds(digest, path.join(dir, "none.json"))).toBeUndefined();
    expect(cachedCrds(digest, write("bad.json", "{not json"))).toBeUndefined();
    expect(cachedCrds(digest, write("odd.json", JSON.stringify({ digest: 1, crds: "x" })))).toBeUndefined();
    expect(prebuiltValidators(digest, path.join(dir, "none.cjs"))).toBeUndefined();
  });

  it("compiles validators that judge resources exactly as the ones compiled at run time", () => {
    const prebuilt = prebuiltValidators(digest, write("validators.cjs", crdValidatorsModule(texts)))!;
    const resources: Record<string, unknown>[] = [
      { apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name: "ok" }, spec: { type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: "x" }] } },
      { apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name: "bad" }, spec: { type: 3, metadata: [{ value: "x" }], initTimeout: {} } },
      { apiVersion: "dapr.io/v1alpha1", kind: "Resiliency", metadata: { name: "r" }, spec: { policies: { retries: { x: { maxRetries: "many" } } }, targets: [] } },
      { apiVersion: "dapr.io/v1alpha1", kind: "Configuration", metadata: { name: "c" }, spec: { tracing: { samplingRate: 1 } } },
      { apiVersion: "dapr.io/v2alpha1", kind: "Subscription", metadata: { name: "s" }, spec: { pubsubname: "p", topic: 7, routes: { rules: [{ match: 1 }] } } },
      { apiVersion: "dapr.io/v1alpha1", kind: "Subscription", metadata: { name: "s1" }, spec: { pubsubname: "p", topic: "t", route: "/r" } },
    ];
    expect(Object.keys(prebuilt).sort()).toEqual(knownResources().map((r) => `${r.apiVersion}|${r.kind}`).sort());
    for (const r of resources) {
      const validate = prebuilt[`${String(r.apiVersion)}|${String(r.kind)}`]!;
      const ok = validate(r);
      const atRunTime = validateResource(r, { unknownFields: "ignore" });
      expect(ok, JSON.stringify(r)).toBe(atRunTime.ok);
      if (!ok) expect(atRunTime.ok ? [] : atRunTime.errors).toEqual(expect.arrayContaining(formatAjvErrors(validate.errors ?? [])));
    }
  });

  it("ships beside the bundle, made from the CRDs as they are (make build writes both)", () => {
    expect(cachedCrds(digest, path.join(shipped, "crds.json")), `${shipped}/crds.json is stale or missing: run make build`).toEqual(parseCrdTexts(texts));
    expect(prebuiltValidators(digest, path.join(shipped, "crd-validators.cjs")), `${shipped}/crd-validators.cjs is stale or missing: run make build`).toBeDefined();
  });
});
