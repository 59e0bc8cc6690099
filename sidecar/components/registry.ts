// Maps `type/version` to a factory, one registry per component category
// (state, pubsub, bindings, ...). Unknown types and versions produce an error
// that lists what is known, so a typo in a YAML file is easy to fix.
import type { ComponentContext } from "./component.js";

export type Factory<T> = (ctx: ComponentContext) => T;

export class ComponentRegistry<T> {
  private readonly factories = new Map<string, Map<string, Factory<T>>>();

  constructor(readonly category: string) {}

  /** Registers `type` (e.g. "state.redis") for each of `versions`; aliases share the factory. */
  register(types: string | string[], versions: string[], factory: Factory<T>): void {
    for (const type of Array.isArray(types) ? types : [types]) {
      const byVersion = this.factories.get(type) ?? new Map<string, Factory<T>>();
      for (const v of versions) byVersion.set(v, factory);
      this.factories.set(type, byVersion);
    }
  }

  has(type: string): boolean {
    return this.factories.has(type);
  }

  knownTypes(): string[] {
    return [...this.factories.keys()].sort();
  }

  create(ctx: ComponentContext): T {
    const byVersion = this.factories.get(ctx.type);
    if (!byVersion) {
      throw new Error(
        `unknown component type '${ctx.type}' for component ${ctx.name}; known ${this.category} types: ${this.knownTypes().join(", ")}`,
      );
    }
    // Dapr treats an empty version as v1.
    const version = ctx.version || "v1";
    const factory = byVersion.get(version);
    if (!factory) {
      throw new Error(
        `unknown version '${version}' of ${ctx.type} for component ${ctx.name}; known versions: ${[...byVersion.keys()].join(", ")}`,
      );
    }
    return factory(ctx);
  }
}

/** The category of a component type: "state.redis" -> "state", "secretstores.local.file" -> "secretstores". */
export function categoryOf(type: string): string {
  const dot = type.indexOf(".");
  return dot < 0 ? type : type.slice(0, dot);
}
