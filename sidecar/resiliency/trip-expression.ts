// The circuit breaker's `trip` CEL expression, evaluated over gobreaker's counts
// each time a call fails while the breaker is closed.

import { celEnvironment, type CelEnvironment } from "../util/cel.js";

export interface BreakerCounts {
  requests: number;
  totalSuccesses: number;
  totalFailures: number;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
}

export type TripFn = (counts: BreakerCounts) => boolean;

const variables = ["requests", "totalSuccesses", "totalFailures", "consecutiveSuccesses", "consecutiveFailures"] as const;

function makeEnv(unknownAreDyn: boolean): CelEnvironment {
  const env = celEnvironment({ unlistedVariablesAreDyn: unknownAreDyn });
  for (const v of variables) env.registerVariable(v, "int");
  return env;
}

// Made on the first expression compiled (cel-js loads then, see util/cel.ts).
let strict: CelEnvironment | undefined;
let lenient: CelEnvironment | undefined;
const strictEnv = () => (strict ??= makeEnv(false));
// Dapr declares identifiers it does not know as `any` so they compile; evaluating
// them then fails and the breaker does not trip. We accept them the same way.
const lenientEnv = () => (lenient ??= makeEnv(true));

export interface CompiledTrip {
  fn: TripFn;
  /** Set when the expression compiles but cannot work as intended. */
  warning?: string;
}

/** Compiles `expr`; throws an Error with the CEL parse message when it is not valid CEL. */
export function compileTrip(expr: string): CompiledTrip {
  let warning: string | undefined;
  let evaluate: ReturnType<CelEnvironment["parse"]>;
  try {
    evaluate = strictEnv().parse(expr);
  } catch (err) {
    // cel-js puts a source excerpt after the first line; keep the message short.
    throw new Error(`invalid CEL expression ${JSON.stringify(expr)}: ${firstLine(err)}`);
  }
  const check = evaluate.check();
  if (!check.valid) {
    const why = check.error ? firstLine(check.error) : "type check failed";
    if (/Unknown variable/i.test(why)) {
      warning = `${why}: only ${variables.join(", ")} are defined, so this expression never trips`;
      evaluate = lenientEnv().parse(expr);
    } else {
      throw new Error(`invalid CEL expression ${JSON.stringify(expr)}: ${why}`);
    }
  } else if (check.type !== "bool") {
    warning = `expression has type ${check.type}, not bool, so it never trips`;
  }
  const fn: TripFn = (counts) => {
    try {
      const result = evaluate({
        requests: BigInt(counts.requests),
        totalSuccesses: BigInt(counts.totalSuccesses),
        totalFailures: BigInt(counts.totalFailures),
        consecutiveSuccesses: BigInt(counts.consecutiveSuccesses),
        consecutiveFailures: BigInt(counts.consecutiveFailures),
      });
      // Anything but a boolean true (including evaluation errors) does not trip.
      return result === true;
    } catch {
      return false;
    }
  };
  return warning === undefined ? { fn } : { fn, warning };
}

/** gobreaker's default ReadyToTrip. */
export const defaultTrip: TripFn = (c) => c.consecutiveFailures > 5;

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.trim();
}
