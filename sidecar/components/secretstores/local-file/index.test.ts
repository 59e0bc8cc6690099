import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../log/logger.js";
import type { ComponentContext, Properties } from "../../component.js";
import { SecretNotFoundError } from "../secret-store.js";
import { flattenJson } from "./flatten-json.js";
import { LocalFileSecretStore } from "./index.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-secrets-"));
function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}
function ctx(properties: Properties): ComponentContext {
  return { name: "files", type: "secretstores.local.file", version: "v1", properties, appId: "app", namespace: "default", logger: silentLogger };
}
const nested = JSON.stringify({ top: "t", db: { user: "u", pass: "p", hosts: ["h0", "h1"], port: 5432, tls: true } });

describe("flattenJson", () => {
  it("joins nested paths with the separator and indexes arrays", () => {
    expect(flattenJson(JSON.parse(nested), ":")).toEqual({
      top: "t", "db:user": "u", "db:pass": "p", "db:hosts:0": "h0", "db:hosts:1": "h1", "db:port": "5432", "db:tls": "true",
    });
  });
  it("keeps the first of two colliding paths", () => {
    expect(flattenJson({ "a.b": "first", a: { b: "second" } }, ".")).toEqual({ "a.b": "first" });
  });
});

describe("secretstores.local.file", () => {
  it("answers flattened secrets as single values, with ':' by default", async () => {
    const s = new LocalFileSecretStore(ctx({ secretsFile: file("a.json", nested) }));
    await s.init();
    expect(await s.getSecret({ name: "db:user", metadata: {} })).toEqual({ "db:user": "u" });
    expect(await s.getSecret({ name: "top", metadata: {} })).toEqual({ top: "t" });
    expect(s.features()).toEqual([]);
    const bulk = await s.bulkGetSecret({ metadata: {} });
    expect(bulk["db:hosts:1"]).toEqual({ "db:hosts:1": "h1" });
    expect(Object.keys(bulk)).toHaveLength(7);
  });

  it("honours nestedSeparator", async () => {
    const s = new LocalFileSecretStore(ctx({ secretsFile: file("b.json", nested), nestedSeparator: "." }));
    await s.init();
    expect(await s.getSecret({ name: "db.pass", metadata: {} })).toEqual({ "db.pass": "p" });
    await expect(s.getSecret({ name: "db:pass", metadata: {} })).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it("multiValued: top-level objects become one secret with several keys", async () => {
    const s = new LocalFileSecretStore(ctx({ secretsFile: file("c.json", nested), multiValued: "true" }));
    await s.init();
    expect(s.features()).toEqual(["MULTIPLE_KEY_VALUES_PER_SECRET"]);
    expect(await s.getSecret({ name: "db", metadata: {} })).toEqual({ user: "u", pass: "p", "hosts:0": "h0", "hosts:1": "h1", port: "5432", tls: "true" });
    expect(await s.getSecret({ name: "top", metadata: {} })).toEqual({ top: "t" });
    expect(Object.keys(await s.bulkGetSecret({ metadata: {} })).sort()).toEqual(["db", "top"]);
  });

  it("resolves a relative secretsFile against the working directory", async () => {
    const abs = file("rel.json", JSON.stringify({ k: "v" }));
    const s = new LocalFileSecretStore(ctx({ secretsFile: path.relative(process.cwd(), abs) }));
    await s.init();
    expect(await s.getSecret({ name: "k", metadata: {} })).toEqual({ k: "v" });
  });

  it("throws SecretNotFoundError naming the secret, never a value", async () => {
    const s = new LocalFileSecretStore(ctx({ secretsFile: file("d.json", nested) }));
    await s.init();
    const err = await s.getSecret({ name: "nope", metadata: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretNotFoundError);
    expect((err as Error).message).toContain("nope");
  });

  it("fails init for invalid JSON, naming the file", async () => {
    const bad = file("bad.json", "{ not json");
    await expect(new LocalFileSecretStore(ctx({ secretsFile: bad })).init()).rejects.toThrow(`secretsFile ${bad} is not valid JSON`);
  });

  it("fails init for a missing file, a non-object file and a missing secretsFile", async () => {
    await expect(new LocalFileSecretStore(ctx({ secretsFile: path.join(dir, "absent.json") })).init()).rejects.toThrow(/cannot read secretsFile .*absent\.json/);
    await expect(new LocalFileSecretStore(ctx({ secretsFile: file("arr.json", "[1,2]") })).init()).rejects.toThrow(/JSON object/);
    await expect(new LocalFileSecretStore(ctx({})).init()).rejects.toThrow(/secretsFile/);
  });
});
