import { describe, expect, it } from "vitest";
import { validateComponent, type ComponentObject, type SecretKeysLookup } from "./component-validation.js";

const secrets: Record<string, string[]> = { "default/redis": ["redis-password"] };
const lookup: SecretKeysLookup = async (ns, name) => secrets[`${ns}/${name}`];

function component(spec: ComponentObject["spec"], auth?: ComponentObject["auth"]): ComponentObject {
  return { metadata: { name: "c", namespace: "default" }, spec, ...(auth ? { auth } : {}) };
}

describe("validateComponent", () => {
  it("accepts a known type with its required metadata", async () => {
    const v = await validateComponent(component({ type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: "localhost:6379" }] }), lookup);
    expect(v).toEqual({ ok: true, message: "state.redis/v1 is valid" });
  });

  it("refuses an unknown type, listing the known ones", async () => {
    const v = await validateComponent(component({ type: "state.cassandra", version: "v1" }), lookup);
    expect(v).toMatchObject({ ok: false, reason: "UnknownType" });
    expect(v.message).toContain("unknown component type 'state.cassandra'");
    expect(v.message).toContain("state.redis");
    expect(await validateComponent(component(undefined), lookup)).toMatchObject({ ok: false, reason: "UnknownType" });
  });

  it("refuses an unknown version and reads an empty one as v1", async () => {
    expect(await validateComponent(component({ type: "state.redis", version: "v9", metadata: [{ name: "redisHost", value: "h" }] }), lookup))
      .toMatchObject({ ok: false, reason: "UnknownVersion", message: expect.stringContaining("known versions: v1") });
    expect(await validateComponent(component({ type: "state.redis", metadata: [{ name: "redisHost", value: "h" }] }), lookup)).toMatchObject({ ok: true });
  });

  it("names missing required metadata; an empty value does not count, any name of a group does", async () => {
    const v = await validateComponent(component({ type: "bindings.mqtt3", version: "v1", metadata: [{ name: "url", value: "" }] }), lookup);
    expect(v).toEqual({ ok: false, reason: "MissingMetadata", message: "bindings.mqtt3 requires metadata 'url', 'topic'" });
    expect(await validateComponent(component({ type: "pubsub.rabbitmq", version: "v1", metadata: [{ name: "host", value: "amqp://x" }] }), lookup)).toMatchObject({ ok: true });
    expect(await validateComponent(component({ type: "state.redis", version: "v1", metadata: "junk" as never }), lookup)).toMatchObject({ reason: "MissingMetadata" });
  });

  it("checks initTimeout parses", async () => {
    const v = await validateComponent(component({ type: "state.in-memory", version: "v1", initTimeout: "5 minutes" }), lookup);
    expect(v).toMatchObject({ ok: false, reason: "InvalidDuration", message: expect.stringContaining("spec.initTimeout") });
    expect(await validateComponent(component({ type: "state.in-memory", version: "v1", initTimeout: "1m" }), lookup)).toMatchObject({ ok: true });
  });

  it("resolves secretKeyRefs against Kubernetes Secrets unless another store is named", async () => {
    const ref = (name: string, key?: string) => ({ type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: "h" }, { name: "redisPassword", secretKeyRef: { name, ...(key ? { key } : {}) } }] });
    expect(await validateComponent(component(ref("redis", "redis-password")), lookup)).toMatchObject({ ok: true });
    expect(await validateComponent(component(ref("nope", "k")), lookup)).toMatchObject({ ok: false, reason: "SecretNotFound", recheckAfterMs: 10_000 });
    expect(await validateComponent(component(ref("redis", "other")), lookup)).toMatchObject({ ok: false, reason: "SecretKeyNotFound", message: expect.stringContaining("no key 'other'") });
    // Dapr's default key is the secret's name.
    expect(await validateComponent(component(ref("redis")), lookup)).toMatchObject({ reason: "SecretKeyNotFound" });
    expect(await validateComponent(component(ref("nope", "k"), { secretStore: "vault" }), lookup)).toMatchObject({ ok: true });
    expect(await validateComponent(component(ref("nope", "k"), { secretStore: "kubernetes" }), lookup)).toMatchObject({ ok: false });
  });
});
