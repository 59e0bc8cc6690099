// `dapr-ts sidecar`: parse daprd's flags, start, and stop on SIGTERM/SIGINT
// (draining in-flight requests) with exit code 0; a fatal start-up error
// (e.g. a component that fails without ignoreErrors) exits 1 naming the cause.
import { parseSidecarFlags } from "../sidecar/runtime/flags.js";
import { loadDeferredModules } from "../sidecar/runtime/deferred-modules.js";
import { allocateYoung, compileWasmBaselineOnly, holdYoungGenerationWhileStarting, tuneOldGeneration } from "./sidecar-heap.js";

export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseSidecarFlags(argv);
  } catch (err) {
    process.stderr.write(`dapr-ts sidecar: ${(err as Error).message}\n`);
    return 2;
  }
  // Before the runtime loads, so start-up is collected the same way (see sidecar-heap.ts).
  tuneOldGeneration();
  compileWasmBaselineOnly();
  allocateYoung();
  const releaseYoungGeneration = holdYoungGenerationWhileStarting();
  // Imported only once the flags are good: a typo should not wait for the runtime to load.
  const { Sidecar } = await import("../sidecar/runtime/sidecar.js");
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  const sidecar = new Sidecar(opts, { onShutdownRequested: () => void stop("shutdown API") });
  let stopRequested = false;
  const stop = async (reason: string) => {
    stopRequested = true;
    await sidecar.stop(reason);
    done(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  try {
    // Serving (or failed): the young generation may grow again.
    await sidecar.start().finally(releaseYoungGeneration);
    // Serving: now load what start-up deferred (see deferred-modules.ts), before requests need it.
    setImmediate(loadDeferredModules);
  } catch (err) {
    // Asked to stop while still starting (e.g. waiting for the API server): a clean exit.
    if (stopRequested) return finished;
    sidecar.logger.fatal("sidecar failed to start", { error: (err as Error).message });
    await sidecar.stop("start-up failed").catch(() => {});
    return 1;
  }
  return finished;
}
