// Subscription routing as Dapr does it (`pkg/runtime/subscription`):
// `routes.rules` are CEL expressions evaluated in order against `event` (the
// whole CloudEvent envelope, `data` included); the first rule that is true wins;
// then `routes.default`; then the v1 `route`. A rule without `match` always
// matches. Expressions are compiled once, when the subscription is loaded.
// As in Dapr, any variable besides `event` is accepted as dynamic (and fails at
// evaluation time if used), and a match that isn't a boolean is an error.
import { celEnvironment, type CelEnvironment } from "../../util/cel.js";

export interface RouteRule {
  match?: string;
  path: string;
}

/** The routing part of a subscription (v2alpha1 `routes`, or v1alpha1 `route`). */
export interface RoutingSpec {
  route?: string;
  routes?: { rules?: RouteRule[]; default?: string };
}

export class RoutingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RoutingError";
  }
}

interface CompiledRule {
  match: string;
  path: string;
  /** Undefined for a catch-all rule (no match expression). */
  evaluate?: (vars: Record<string, unknown>) => unknown;
}

export interface CompiledRoutes {
  /** The rules in evaluation order, default and v1 route included as catch-alls. */
  readonly rules: readonly { match: string; path: string }[];
  /**
   * The path for `event`, or undefined when nothing matches (Dapr then drops
   * the message). Throws RoutingError when an expression fails to evaluate.
   */
  pathFor(event: Record<string, unknown>): string | undefined;
}

// Made on the first rule with a match expression (cel-js loads then, see util/cel.ts).
let env: CelEnvironment | undefined;

function compileRule(rule: RouteRule, index: number, where: string): CompiledRule {
  if (typeof rule?.path !== "string" || rule.path === "") {
    throw new RoutingError(`${where}: rule ${index} has no path`);
  }
  const match = typeof rule.match === "string" ? rule.match.trim() : "";
  if (rule.match !== undefined && typeof rule.match !== "string") {
    throw new RoutingError(`${where}: rule ${index} (path ${rule.path}): match must be a string`);
  }
  if (match === "") return { match, path: rule.path };
  try {
    const fn = (env ??= celEnvironment({ unlistedVariablesAreDyn: true })).parse(match);
    return { match, path: rule.path, evaluate: (vars) => fn(vars) };
  } catch (err) {
    throw new RoutingError(`${where}: invalid CEL in rule ${index} (path ${rule.path}) '${match}': ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Compiles a subscription's routing; `where` names it in errors (e.g. "subscription orders-sub"). */
export function compileRoutes(spec: RoutingSpec, where = "subscription"): CompiledRoutes {
  const rules: CompiledRule[] = (spec.routes?.rules ?? []).map((r, i) => compileRule(r, i, where));
  if (spec.routes?.default) rules.push({ match: "", path: spec.routes.default });
  if (spec.route) rules.push({ match: "", path: spec.route });
  return {
    rules: rules.map(({ match, path }) => ({ match, path })),
    pathFor(event) {
      for (const [i, rule] of rules.entries()) {
        if (!rule.evaluate) return rule.path;
        let result: unknown;
        try {
          result = rule.evaluate({ event });
        } catch (err) {
          throw new RoutingError(`${where}: error evaluating rule ${i} '${rule.match}': ${(err as Error).message.split("\n")[0]}`);
        }
        if (typeof result !== "boolean") {
          throw new RoutingError(`${where}: the result of match expression '${rule.match}' was not a boolean`);
        }
        if (result) return rule.path;
      }
      return undefined;
    },
  };
}
