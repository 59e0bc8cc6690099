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

/**
 * A factory whose module is imported only when a component of that type is
 * initialised, so a sidecar does not pay (start-up time, memory) for the
 * client libraries of components it does not use. The object it returns
 * stands in for the component: init() imports the module, builds the real
 * component and initialises it; every later property comes from the real one.
 */
export function lazy<T extends object>(load: () => Promise<Factory<T>>): Factory<T> {
  return (ctx) => {
    let real: T | undefined;
    return new Proxy({} as T, {
      get(_target, prop) {
        if (prop === "init") {
          return async () => {
            real = (await load())(ctx);
            await (real as unknown as { init(): Promise<void> }).init();
          };
        }
        if (prop === "close") return async () => { await (real as unknown as { close(): Promise<void> } | undefined)?.close(); };
        // Not a thenable, whatever the real component is.
        if (prop === "then" || real === undefined) return undefined;
        const v = (real as Record<string | symbol, unknown>)[prop];
        return typeof v === "function" ? (v as Function).bind(real) : v;
      },
      has(_target, prop) {
        return prop === "init" || prop === "close" || (real !== undefined && prop in real);
      },
    });
  };
}
