// V8 heap settings for the sidecar process, chosen for resident memory under load.
//
// Left to V8's defaults, a busy sidecar's heap grows far beyond what it keeps
// alive: the young generation grows to two 16 MiB semi-spaces (32 MiB resident),
// and the old generation grows to two or three times its live size between full
// collections (finished node:http2 streams, for one, outlive a scavenge or two).
// Measured on a caller and a callee sidecar under 16-in-flight invocation load,
// interleaved with the previous build on the same machine (these settings plus
// express-request-classes.ts and channelz off on the internal gRPC server):
// resident memory (mean of samples) 142 -> 106 MiB and 147 -> 114 MiB, CPU per
// request unchanged on the callee and 22% lower on the caller.
//
// - `--max-semi-space-size=4` (MiB): V8 sizes the young generation when the
//   process starts, so this has to be on the node command line or in
//   NODE_OPTIONS (where Node allows it). The launchers set it through
//   `sidecarNodeOptions()`: `dapr-ts run`, the benchmarks, and the container
//   image's NODE_OPTIONS (Dockerfile). Under steady load V8 grows the young
//   generation to its maximum (it grows after every scavenge whose survivors
//   add up to its size, and shrinks only when allocation nearly stops), and
//   both semi-spaces stay resident: 16 MiB at 8, 8 MiB at 4. Measured at 1,000
//   invocations/s (docs/benchmarks.md, seventh session): 4 saves 6 MiB per
//   sidecar; scavenges come twice as often, which costs the caller about 4 µs
//   of CPU per invocation at saturation (~3 %). 1-2 cost much more: requests
//   still in flight at two scavenges get promoted.
// - `--v8-pool-size=2`: V8's background threads (concurrent marking and
//   sweeping, optimizing compiles). Node starts four whatever the CPU budget; a
//   sidecar gets a fraction of a core to two, and each thread costs its stack
//   and allocator arena: idle RSS 67.2 -> 66.2-66.4 MiB on the embedded default,
//   with no difference in CPU per request that two same-run pairs could show
//   (state GET, 16 in flight, on 2 cores).
// - `--heap-growing-percent=60`: a full collection once the old generation has
//   grown by 60% over what the last one kept. V8 reads it whenever it sets the
//   next limit, so `dapr-ts sidecar` sets it itself (`tuneOldGeneration()`;
//   checked on Node 20 that a flag set at run time takes effect). Node does not
//   accept it in NODE_OPTIONS.
//
// - WebAssembly is compiled by V8's baseline compiler only (`--liftoff-only`,
//   set by `dapr-ts sidecar` before anything compiles; `compileWasmBaselineOnly()`).
//   The one WebAssembly module a sidecar runs is undici's HTTP parser (llhttp),
//   in the app channel and between sidecars. Left to V8, it is recompiled by
//   TurboFan once hot, which mallocs ~37 MiB for a moment and leaves ~2.5 MiB
//   of the process resident for good. Baseline code parses a few percent slower;
//   undici's CPU per request did not change beyond the noise of alternating runs.
// - No allocation-site pretenuring (`--no-allocation-site-pretenuring`, set by
//   `dapr-ts sidecar`; `allocateYoung()`). V8 watches where objects are allocated
//   and, for a site whose objects mostly survive their scavenges, allocates them
//   straight into the old generation. A sidecar's objects live as long as one
//   request, but when the machine stalls, requests in flight outlive scavenges and
//   V8 tenures their sites, after which every request fills the old generation:
//   in 2 of 6 saturation runs the caller's sidecar made 13-14 full collections
//   instead of 1-2 and spent 70 % longer in scavenges; with pretenuring off, 0 of 10.
// - The young generation is held at its initial size (1 MiB semi-spaces) while
//   the sidecar starts: loading the runtime allocates mostly objects that stay
//   (modules, closures), and V8 grows new space after scavenges where much
//   survives, so start-up alone grew it to the full 8 MiB semi-spaces, resident
//   and empty while the sidecar idles (5-6 MiB of idle RSS). `dapr-ts sidecar`
//   sets V8's `--semi-space-growth-factor` to 1 until it is serving, then back
//   to V8's default of 2 (`holdYoungGenerationWhileStarting()`): under load new
//   space grows to 8 MiB within a few scavenges, as before. Start-up CPU time
//   does not change measurably (the extra scavenges copy what the larger space
//   would have copied later). Checked on Node 20 that V8 reads the flag at each
//   growth, so setting it at run time takes effect.
//
// Overriding: NODE_OPTIONS given to a launcher comes after ours and wins; a
// node command-line flag wins over both; DAPR_TS_HEAP_GROWING_PERCENT sets the
// growth (0 restores V8's own adaptive growth).
import v8 from "node:v8";

/** Flags V8 only reads at start-up; Node accepts them in NODE_OPTIONS. */
export const SIDECAR_START_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--v8-pool-size=2"];

const DEFAULT_GROWING_PERCENT = 60;

/** A node command-line flag matching `pattern` wins over the one we would set. */
const onCommandLine = (execArgv: readonly string[], pattern: RegExp): boolean => execArgv.some((a) => pattern.test(a));

/** NODE_OPTIONS for a process that will run `dapr-ts sidecar`: ours first, so the options in `current` win. */
export function sidecarNodeOptions(current: string | undefined = process.env.NODE_OPTIONS): string {
  return [...SIDECAR_START_FLAGS, current ?? ""].join(" ").trim();
}

/**
 * The growth percent to apply, or undefined to leave V8 alone (the node command
 * line already sets one, or the variable is not a whole number).
 */
export function growingPercent(execArgv: readonly string[], env: NodeJS.ProcessEnv): number | undefined {
  if (onCommandLine(execArgv, /^--heap[-_]growing[-_]percent/)) return undefined;
  const raw = env["DAPR_TS_HEAP_GROWING_PERCENT"];
  if (raw === undefined || raw === "") return DEFAULT_GROWING_PERCENT;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Applied by `dapr-ts sidecar` before the runtime loads. */
export function tuneOldGeneration(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): void {
  const percent = growingPercent(execArgv, env);
  if (percent !== undefined) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** Applied by `dapr-ts sidecar` before the runtime loads; a wasm flag on the node command line wins. */
export function compileWasmBaselineOnly(execArgv: readonly string[] = process.execArgv): void {
  if (!onCommandLine(execArgv, /^--(no-)?(liftoff|wasm)[-_]/)) v8.setFlagsFromString("--liftoff-only");
}

/** Applied by `dapr-ts sidecar` before the runtime loads; a pretenuring flag on the node command line wins. */
export function allocateYoung(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = v8.setFlagsFromString): void {
  if (!onCommandLine(execArgv, /^--(no-)?allocation[-_]site[-_]pretenuring/)) setFlags("--no-allocation-site-pretenuring");
}

/** V8's own growth factor of the young generation (its default since V8 4.x, still in Node 20-22). */
const V8_SEMI_SPACE_GROWTH_FACTOR = 2;

/**
 * Keeps the young generation at its initial size until the returned function
 * is called (once the sidecar serves); does nothing when the node command line
 * sets the growth factor itself.
 */
export function holdYoungGenerationWhileStarting(execArgv: readonly string[] = process.execArgv): () => void {
  if (onCommandLine(execArgv, /^--semi[-_]space[-_]growth[-_]factor/)) return () => {};
  v8.setFlagsFromString("--semi-space-growth-factor=1");
  let released = false;
  return () => {
    if (released) return;
    released = true;
    v8.setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH_FACTOR}`);
  };
}
