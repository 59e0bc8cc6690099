import { describe, expect, it } from "vitest";
import { silentLogger } from "../log/logger.js";
import { bindingDirections, defaultCategoryAdapters } from "./categories.js";

describe("bindingDirections", () => {
  it("defaults to what the type can do", () => {
    expect(bindingDirections("bindings.rabbitmq", {})).toEqual({ input: true, output: true });
    expect(bindingDirections("bindings.cron", {})).toEqual({ input: true, output: false });
    expect(bindingDirections("bindings.redis", {})).toEqual({ input: false, output: true });
  });

  it("narrows to Dapr's `direction` metadata", () => {
    expect(bindingDirections("bindings.rabbitmq", { direction: "output" })).toEqual({ input: false, output: true });
    expect(bindingDirections("bindings.mqtt3", { Direction: " Input , output " })).toEqual({ input: true, output: true });
  });

  it("refuses a direction the type cannot serve, or an unknown one", () => {
    expect(() => bindingDirections("bindings.cron", { direction: "output" })).toThrow(/cannot be used as an output binding/);
    expect(() => bindingDirections("bindings.redis", { direction: "sideways" })).toThrow(/invalid direction 'sideways'/);
  });
});

describe("category adapters", () => {
  const ctx = (type: string, properties: Record<string, string>) => ({ name: "c", type, version: "v1", properties, appId: "a", namespace: "d", logger: silentLogger });

  it("creates ONE binding instance for both directions and announces its capabilities", async () => {
    const a = defaultCategoryAdapters().bindings!;
    const props = { host: "amqp://guest:guest@127.0.0.1:5672", queueName: `categories-${process.pid}`, deleteWhenUnused: "true", durable: "false" };
    const inst = a.create(ctx("bindings.rabbitmq", props));
    // Its client library loads when it is initialised; capabilities are read after that, as the runtime does.
    await inst.init();
    expect(a.capabilities(inst, props)).toEqual(["INPUT_BINDING", "OUTPUT_BINDING"]);
    expect(a.capabilities(inst, { ...props, direction: "input" })).toEqual(["INPUT_BINDING"]);
    await inst.close();
    const cron = a.create(ctx("bindings.cron", { schedule: "@every 1s" }));
    expect(a.capabilities(cron, {})).toEqual(["INPUT_BINDING"]);
  });

  it("names every known binding type for an unknown one", () => {
    expect(() => defaultCategoryAdapters().bindings!.create(ctx("bindings.nope", {}))).toThrow(/known bindings types: .*bindings\.cron.*bindings\.redis/);
  });

  it("fails a lock store with an illegal keyPrefix at creation", () => {
    const a = defaultCategoryAdapters().lock!;
    expect(() => a.create(ctx("lock.in-memory", { keyPrefix: "a||b" }))).toThrow(/can't contain/);
  });

  it("reads a secret through the secret store adapter", async () => {
    process.env.H14_TEST_SECRET = "s3";
    const a = defaultCategoryAdapters().secretstores!;
    const store = a.create(ctx("secretstores.local.env", {}));
    await store.init();
    expect(await a.getSecret!(store, "H14_TEST_SECRET")).toEqual({ H14_TEST_SECRET: "s3" });
  });
});
