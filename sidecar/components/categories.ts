// How the runtime creates and describes a component of each category. Each
// category's registry lives in its own folder; this table is the one place
// that knows them all.
import { boolProp, type Component, type ComponentContext, type Properties } from "./component.js";
import { stateRegistry } from "./state/index.js";
import type { StateStore } from "./state/state-store.js";
import { pubsubRegistry, type PubSub } from "./pubsub/index.js";

export interface CategoryAdapter {
  create(ctx: ComponentContext): Component;
  /** Capabilities shown in the metadata API. */
  capabilities(instance: Component, properties: Properties): string[];
  /** Secret stores only: read one secret. */
  getSecret?(instance: Component, name: string): Promise<Record<string, string>>;
}

export type CategoryAdapters = Record<string, CategoryAdapter>;

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
  };
}
