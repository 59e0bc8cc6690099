// cel-js (CEL expressions: circuit-breaker trips, pub/sub routing rules), loaded
// on the first expression compiled rather than at start-up: most sidecars have
// neither, and the library is a noticeable part of start-up time and memory.
// Compiling is synchronous (resources are decoded synchronously), so the ES
// module is loaded with require(), which Node supports from 20.19 (this
// project's minimum) for modules without top-level await.
import { createRequire } from "node:module";
import type * as CelJs from "@marcbachmann/cel-js";

const require = createRequire(import.meta.url);
let cel: typeof CelJs | undefined;

export type CelEnvironment = CelJs.Environment;

/** A new CEL environment with `options` (cel-js's Environment). */
export function celEnvironment(options: ConstructorParameters<typeof CelJs.Environment>[0]): CelJs.Environment {
  cel ??= require("@marcbachmann/cel-js") as typeof CelJs;
  return new cel.Environment(options);
}
