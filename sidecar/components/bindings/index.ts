// The binding registries: `bindings.<type>/<version>` -> factory. A type in
// both registries (rabbitmq, mqtt3) uses the same factory: the runtime should
// create ONE instance and use it for both directions (see isInputBinding /
// isOutputBinding), not one per registry.
import { ComponentRegistry, lazy, type Factory } from "../registry.js";
import type { InputBinding, OutputBinding } from "./binding.js";
import { CronBinding } from "./cron/index.js";

export * from "./binding.js";

export const inputBindingRegistry = new ComponentRegistry<InputBinding>("input binding");
export const outputBindingRegistry = new ComponentRegistry<OutputBinding>("output binding");

function both(types: string | string[], factory: Factory<InputBinding & OutputBinding>): void {
  inputBindingRegistry.register(types, ["v1"], factory);
  outputBindingRegistry.register(types, ["v1"], factory);
}

inputBindingRegistry.register("bindings.cron", ["v1"], (ctx) => new CronBinding(ctx));
// undici is loaded only by a sidecar that declares an HTTP binding.
outputBindingRegistry.register("bindings.http", ["v1"], lazy(async () => { const m = await import("./http/index.js"); return (ctx) => new m.HttpOutputBinding(ctx); }));
outputBindingRegistry.register("bindings.redis", ["v1"], lazy(async () => { const m = await import("./redis/index.js"); return (ctx) => new m.RedisOutputBinding(ctx); }));
outputBindingRegistry.register(["bindings.postgresql", "bindings.postgres"], ["v1"], lazy(async () => { const m = await import("./postgresql/index.js"); return (ctx) => new m.PostgresOutputBinding(ctx); }));
both("bindings.rabbitmq", lazy(async () => { const m = await import("./rabbitmq/index.js"); return (ctx) => new m.RabbitMQBinding(ctx); }));
both("bindings.mqtt3", lazy(async () => { const m = await import("./mqtt3/index.js"); return (ctx) => new m.Mqtt3Binding(ctx); }));
