// One conformance suite for every binding. Output bindings declare their
// operations and must answer exactly those (an unknown one is refused with
// the supported list); input bindings must deliver events to the handler;
// bindings that are both must deliver what they send. Real services only.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../sidecar/log/logger.js";
import type { ComponentContext, Properties } from "../../../sidecar/components/component.js";
import {
  inputBindingRegistry,
  isInputBinding,
  isOutputBinding,
  outputBindingRegistry,
  UnsupportedOperationError,
  type BindingEvent,
  type InputBinding,
  type OutputBinding,
} from "../../../sidecar/components/bindings/index.js";
import { services, uniqueName } from "../../support/services.js";

const web = http.createServer((req, res) => { req.resume(); req.on("end", () => res.end("ok")); });
let webUrl = "";
beforeAll(async () => {
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => web.close(() => r())));

interface Target {
  type: string;
  properties: () => Properties;
  /** Operations it must announce; undefined for input-only bindings. */
  operations?: string[];
  input: boolean;
  /** A request that succeeds, for output bindings. */
  sample?: { operation: string; metadata: Record<string, string> };
}

const queue = uniqueName("conf-q");
const topic = `dapr-ts/${uniqueName("conf")}`;
const targets: Target[] = [
  { type: "bindings.cron", properties: () => ({ schedule: "@every 1s" }), input: true },
  { type: "bindings.http", properties: () => ({ url: webUrl }), input: false, operations: ["create", "get", "head", "post", "put", "patch", "delete", "options", "trace"], sample: { operation: "get", metadata: {} } },
  { type: "bindings.redis", properties: () => ({ redisHost: `${services.redis.host}:${services.redis.port}` }), input: false, operations: ["create", "get", "delete", "increment"], sample: { operation: "create", metadata: { key: uniqueName("conf-key") } } },
  { type: "bindings.postgresql", properties: () => ({ connectionString: services.postgres.connectionString }), input: false, operations: ["exec", "query", "close"], sample: { operation: "query", metadata: { sql: "SELECT 1" } } },
  { type: "bindings.rabbitmq", properties: () => ({ host: services.rabbitmq.url, queueName: queue, deleteWhenUnused: "true" }), input: true, operations: ["create"], sample: { operation: "create", metadata: {} } },
  { type: "bindings.mqtt3", properties: () => ({ url: services.mqtt.url, topic, consumerID: uniqueName("conf"), cleanSession: "true" }), input: true, operations: ["create"], sample: { operation: "create", metadata: {} } },
];

function ctx(t: Target): ComponentContext {
  return { name: "binding", type: t.type, version: "v1", properties: t.properties(), appId: "conformance", namespace: "default", logger: silentLogger };
}

function waitFor<T>(events: T[], pred: (e: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const tick = () => {
      const hit = events.find(pred);
      if (hit) return resolve(hit);
      if (performance.now() - start > timeoutMs) return reject(new Error(`no matching event within ${timeoutMs} ms`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe.each(targets)("binding conformance: $type", (t) => {
  let b: InputBinding | OutputBinding;
  const events: BindingEvent[] = [];

  beforeAll(async () => {
    b = (t.operations ? outputBindingRegistry : inputBindingRegistry).create(ctx(t));
    await b.init();
    if (t.input && isInputBinding(b)) await b.read(async (e) => { events.push(e); });
  });
  afterAll(() => b?.close());

  it("is registered in exactly the directions it supports", () => {
    expect(inputBindingRegistry.has(t.type)).toBe(t.input);
    expect(outputBindingRegistry.has(t.type)).toBe(!!t.operations);
    expect(isInputBinding(b)).toBe(t.input);
    expect(isOutputBinding(b)).toBe(!!t.operations);
  });

  it.runIf(!!t.operations)("announces its operations and refuses others with the supported list", async () => {
    const out = b as OutputBinding;
    expect([...out.operations()].sort()).toEqual([...t.operations!].sort());
    const err = await out.invoke({ operation: "frobnicate", data: Buffer.alloc(0), metadata: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOperationError);
    for (const op of t.operations!) expect((err as Error).message).toContain(op);
    await out.invoke({ operation: t.sample!.operation, data: Buffer.from("sample"), metadata: t.sample!.metadata });
  });

  it.runIf(t.input && !!t.operations)("delivers what it sends", async () => {
    const payload = uniqueName("payload");
    await (b as OutputBinding).invoke({ operation: "create", data: Buffer.from(payload), metadata: {} });
    const ev = await waitFor(events, (e) => e.data.toString() === payload, 5000);
    expect(ev.data.toString()).toBe(payload);
  });

  it.runIf(t.input && !t.operations)("delivers scheduled events", async () => {
    const ev = await waitFor(events, () => true, 3000);
    expect(ev.metadata).toHaveProperty("readTimeUTC");
  });
});

describe("binding bad input", () => {
  it("an invalid cron schedule fails init with a clear error", async () => {
    const b = inputBindingRegistry.create({ ...ctx(targets[0]), properties: { schedule: "every now and then" } });
    await expect(b.init()).rejects.toThrow(/invalid schedule format 'every now and then'/);
    const missing = inputBindingRegistry.create({ ...ctx(targets[0]), properties: {} });
    await expect(missing.init()).rejects.toThrow(/schedule/);
  });

  it("an unknown binding type lists the known ones", () => {
    expect(() => outputBindingRegistry.create({ ...ctx(targets[1]), type: "bindings.nope" })).toThrow(/bindings\.http/);
  });
});
