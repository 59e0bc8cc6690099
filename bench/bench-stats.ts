// Shared pieces of the benchmarks: a closed-loop load generator (N requests in
// flight, each starting when one finishes, as a busy client does) and the
// statistics printed from it.
export interface LoadResult {
  latenciesMs: number[];
  elapsedMs: number;
  /** Completed requests per second. */
  throughput: number;
  errors: number;
}

/** Runs `call` with `inFlight` requests outstanding until `durationMs` has passed. */
export async function closedLoop(call: () => Promise<unknown>, inFlight: number, durationMs: number): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + durationMs;
  let firstError: unknown;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await call();
        latenciesMs.push(performance.now() - t);
      } catch (err) {
        errors++;
        firstError ??= err;
        if (errors > 100) throw new Error(`too many errors; first: ${(firstError as Error).message ?? String(firstError)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsedMs = performance.now() - start;
  return { latenciesMs, elapsedMs, throughput: (latenciesMs.length / elapsedMs) * 1000, errors };
}

/** Merges rounds measured alternately (so slow phases of a noisy machine hit both sides). */
export function merge(results: LoadResult[]): LoadResult {
  const latenciesMs = results.flatMap((r) => r.latenciesMs);
  const elapsedMs = results.reduce((s, r) => s + r.elapsedMs, 0);
  return { latenciesMs, elapsedMs, throughput: (latenciesMs.length / elapsedMs) * 1000, errors: results.reduce((s, r) => s + r.errors, 0) };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export interface Check {
  name: string;
  value: string;
  target: string;
  pass: boolean;
}

export function formatChecks(title: string, lines: string[], checks: Check[]): string {
  const out = [`== ${title}`, ...lines.map((l) => `   ${l}`)];
  for (const c of checks) out.push(`   ${c.pass ? "PASS" : "FAIL"}  ${c.name}: ${c.value} (target ${c.target})`);
  return out.join("\n");
}

export const ms = (v: number) => `${v.toFixed(3)} ms`;
