// How the runtime creates and describes a component of each category. Each
// category's registry lives in its own folder; this table is the one place
// that knows them all.
import { boolProp, prop, type Component, type ComponentContext, type Properties } from "./component.js";
import { stateRegistry } from "./state/index.js";
import type { StateStore } from "./state/state-store.js";
import { pubsubRegistry, type PubSub } from "./pubsub/index.js";
import { secretStoreRegistry, type SecretStore } from "./secretstores/index.js";
import { inputBindingRegistry, isInputBinding, isOutputBinding, outputBindingRegistry } from "./bindings/index.js";
import { configurationRegistry } from "./configuration/index.js";
import { lockKeyPrefixFromProperties, lockRegistry, type LockStore } from "./lock/index.js";

export interface CategoryAdapter {
  create(ctx: ComponentContext): Component;
  /** Capabilities shown in the metadata API. */
  capabilities(instance: Component, properties: Properties): string[];
  /** Secret stores only: read one secret. */
  getSecret?(instance: Component, name: string): Promise<Record<string, string>>;
}

export type CategoryAdapters = Record<string, CategoryAdapter>;

export interface BindingDirections {
  input: boolean;
  output: boolean;
}

/**
 * Which directions a binding serves: what its type can do, narrowed by Dapr's
 * optional `direction` metadata ("input", "output" or "input, output").
 * Naming a direction the type cannot serve is a configuration error.
 */
export function bindingDirections(type: string, properties: Properties): BindingDirections {
  const can = { input: inputBindingRegistry.has(type), output: outputBindingRegistry.has(type) };
  const raw = prop(properties, "direction");
  if (raw === undefined || raw.trim() === "") return can;
  const wanted = { input: false, output: false };
  for (const part of raw.split(",").map((p) => p.trim().toLowerCase()).filter(Boolean)) {
    if (part !== "input" && part !== "output") throw new Error(`invalid direction '${part}' in metadata 'direction': use input, output or "input, output"`);
    if (!can[part]) throw new Error(`binding type ${type} cannot be used as an ${part} binding (metadata 'direction' is '${raw}')`);
    wanted[part] = true;
  }
  return wanted;
}

// The type each binding instance was created as (capabilities get the instance only).
const bindingTypes = new WeakMap<Component, string>();

export function defaultCategoryAdapters(): CategoryAdapters {
  return {
    state: {
      create: (ctx) => stateRegistry.create(ctx),
      capabilities: (instance, properties) => {
        const features: string[] = (instance as StateStore).features();
        // Dapr announces ACTOR when the component is marked as the actor state store.
        if (boolProp(properties, "actorStateStore", false) && !features.includes("ACTOR")) features.push("ACTOR");
        return features;
      },
    },
    pubsub: {
      create: (ctx) => pubsubRegistry.create(ctx),
      capabilities: (instance) => (instance as PubSub).features(),
    },
    secretstores: {
      create: (ctx) => secretStoreRegistry.create(ctx),
      capabilities: (instance) => [...(instance as SecretStore).features()],
      getSecret: (instance, name) => (instance as SecretStore).getSecret({ name, metadata: {} }),
    },
    bindings: {
      // A type registered in both directions shares one factory: one instance serves both.
      create: (ctx) => {
        if (!inputBindingRegistry.has(ctx.type) && !outputBindingRegistry.has(ctx.type)) {
          const known = [...new Set([...inputBindingRegistry.knownTypes(), ...outputBindingRegistry.knownTypes()])].sort();
          throw new Error(`unknown component type '${ctx.type}' for component ${ctx.name}; known bindings types: ${known.join(", ")}`);
        }
        const dirs = bindingDirections(ctx.type, ctx.properties);
        const instance = dirs.input || !outputBindingRegistry.has(ctx.type) ? inputBindingRegistry.create(ctx) : outputBindingRegistry.create(ctx);
        bindingTypes.set(instance, ctx.type);
        return instance;
      },
      capabilities: (instance, properties) => {
        const out: string[] = [];
        const type = bindingTypes.get(instance);
        const dirs = type ? bindingDirections(type, properties) : { input: true, output: true };
        if (dirs.input && isInputBinding(instance)) out.push("INPUT_BINDING");
        if (dirs.output && isOutputBinding(instance)) out.push("OUTPUT_BINDING");
        return out;
      },
    },
    configuration: {
      create: (ctx) => configurationRegistry.create(ctx),
      capabilities: () => [],
    },
    lock: {
      create: (ctx) => {
        // A bad keyPrefix must fail the component at start-up, not every request.
        lockKeyPrefixFromProperties(ctx.properties);
        return lockRegistry.create(ctx);
      },
      capabilities: (instance) => (instance as LockStore).features(),
    },
  };
}
