// The measurement both the state and the lock benchmarks make: the same work
// done directly against the backend and through the sidecar over gRPC and
// HTTP, measured two ways.
//
// Latency, as Dapr measures it (its v1.17 performance report: "16
// connections, 1,000 QPS", the overhead being "the Dapr-proxied result"
// against "a direct call to the state store"): an open-loop load at a fixed
// rate (bench/paced-load.ts), well below saturation, so a percentile says
// what a request costs. A closed loop at saturation would report queueing
// instead (Little's law: p50 ~ in-flight / throughput).
//
// Throughput: a closed loop with a fixed number of requests in flight, with
// the sidecar's CPU time per request over those rounds (CPU per request does
// not depend on other load on the machine, unlike latency).
//
// The transport floor, if given (bench/transport-floor.ts), is measured at the
// same rate in the same rounds: Node's own round trip to a server that does
// nothing, so a reader can tell how much of the added latency that is.
//
// Every measurement alternates sides round by round (direct, gRPC, HTTP,
// direct, ...) so a noisy phase of the machine hits every side alike; all
// paced rounds come before the saturation rounds, so latency is not measured
// in the aftermath (garbage, backlog) of saturating the sidecar.
import { cpuTimeMs } from "./bench-sidecar.js";
import { closedLoop, merge, ms, percentile, type LoadResult } from "./bench-stats.js";
import { pacedLoad } from "./paced-load.js";

type Call = () => Promise<void>;
type Side = "direct" | "grpc" | "http";

export interface PathComparison {
  /** Latency at the fixed rate. */
  paced: Record<Side, LoadResult>;
  /** Milliseconds each paced request left after its due time (how well the client kept the rate). */
  sendLagMs: number[];
  /** The no-op servers at the same rate, when measured. */
  floor?: { grpc: LoadResult; http: LoadResult };
  /** Closed loop, `inFlight` outstanding: throughput. */
  saturation: Record<Side, LoadResult>;
  /** Sidecar CPU milliseconds spent during the gRPC and the HTTP saturation rounds. */
  cpuMs: { grpc: number; http: number };
}

export interface CompareOptions {
  /** Operations per second in the paced rounds (Dapr: 1,000). */
  ratePerSecond: number;
  pacedRoundMs: number;
  /** Operations outstanding in the saturation rounds. */
  inFlight: number;
  saturationRoundMs: number;
  rounds: number;
  sidecarPid: number;
}

export async function comparePaths(
  fns: Record<Side, Call>,
  floor: { grpc: Call; http: Call } | undefined,
  o: CompareOptions,
): Promise<PathComparison> {
  const sides: Side[] = ["direct", "grpc", "http"];
  const floorSides = floor ? (["grpc", "http"] as const) : [];
  // Warm-up: JIT, connection pools, backend connections; then a short paced
  // spell so the sidecar has settled from the closed loop before measuring.
  for (const s of sides) await closedLoop(fns[s], o.inFlight, 500);
  for (const s of floorSides) await closedLoop(floor![s], o.inFlight, 300);
  for (const s of sides) await pacedLoad(fns[s], o.ratePerSecond, 300);
  for (const s of floorSides) await pacedLoad(floor![s], o.ratePerSecond, 300);

  const paced = { direct: [] as LoadResult[], grpc: [] as LoadResult[], http: [] as LoadResult[] };
  const floorRounds = { grpc: [] as LoadResult[], http: [] as LoadResult[] };
  const sendLagMs: number[] = [];
  const pacedRound = async (fn: Call) => {
    const r = await pacedLoad(fn, o.ratePerSecond, o.pacedRoundMs);
    sendLagMs.push(...r.sendLagMs);
    return r;
  };
  for (let i = 0; i < o.rounds; i++) {
    for (const s of sides) paced[s].push(await pacedRound(fns[s]));
    for (const s of floorSides) floorRounds[s].push(await pacedRound(floor![s]));
  }

  const saturation = { direct: [] as LoadResult[], grpc: [] as LoadResult[], http: [] as LoadResult[] };
  const cpuMs = { grpc: 0, http: 0 };
  for (let i = 0; i < o.rounds; i++) {
    for (const s of sides) {
      const before = s === "direct" ? 0 : cpuTimeMs(o.sidecarPid);
      saturation[s].push(await closedLoop(fns[s], o.inFlight, o.saturationRoundMs));
      if (s !== "direct") cpuMs[s] += cpuTimeMs(o.sidecarPid) - before;
    }
  }
  return {
    paced: { direct: merge(paced.direct), grpc: merge(paced.grpc), http: merge(paced.http) },
    sendLagMs,
    floor: floor ? { grpc: merge(floorRounds.grpc), http: merge(floorRounds.http) } : undefined,
    saturation: { direct: merge(saturation.direct), grpc: merge(saturation.grpc), http: merge(saturation.http) },
    cpuMs,
  };
}

const pcts = (r: LoadResult) => [50, 90, 99].map((q) => `p${q} ${ms(percentile(r.latenciesMs, q))}`).join("  ");

/** The lines both benches print: paced latency per side, the floor, saturation, sidecar CPU. */
export function describeComparison(
  c: PathComparison,
  o: CompareOptions & { unit: string; directLabel: string },
): string[] {
  const row = (label: string, r: LoadResult) => `  ${label.padEnd(22)} ${pcts(r)}  (${r.latenciesMs.length} ${o.unit}s, ${r.errors} errors)`;
  const lag = [...c.sendLagMs].sort((a, b) => a - b);
  const lines = [
    `latency at ${o.ratePerSecond.toLocaleString("en-US")} ${o.unit}s/s, paced, ${o.rounds} x ${o.pacedRoundMs} ms rounds per side ` +
      `(sent after due: p50 ${ms(percentile(lag, 50))}, p99 ${ms(percentile(lag, 99))}):`,
    row(o.directLabel, c.paced.direct),
    row("sidecar gRPC", c.paced.grpc),
    row("sidecar HTTP", c.paced.http),
  ];
  if (c.floor) {
    const added = (side: "grpc" | "http") => percentile(c.paced[side].latenciesMs, 50) - percentile(c.paced.direct.latenciesMs, 50);
    lines.push(
      `transport floor, no-op grpc-js server, same rate: ${pcts(c.floor.grpc)} (sidecar gRPC added p50 ${ms(added("grpc"))})`,
      `transport floor, no-op node:http server, same rate: ${pcts(c.floor.http)} (sidecar HTTP added p50 ${ms(added("http"))})`,
    );
  }
  const s = c.saturation;
  const pct = (r: LoadResult) => `${((r.throughput / s.direct.throughput) * 100).toFixed(1)} %`;
  lines.push(
    `saturation, ${o.inFlight} in flight, ${o.rounds} x ${o.saturationRoundMs} ms rounds per side: ` +
      `direct ${Math.round(s.direct.throughput)}/s, gRPC ${Math.round(s.grpc.throughput)}/s (${pct(s.grpc)}), HTTP ${Math.round(s.http.throughput)}/s (${pct(s.http)})` +
      ` (errors ${s.direct.errors}/${s.grpc.errors}/${s.http.errors})`,
    `sidecar CPU per ${o.unit} (saturation rounds): gRPC ${ms(c.cpuMs.grpc / s.grpc.latenciesMs.length)}, HTTP ${ms(c.cpuMs.http / s.http.latenciesMs.length)}`,
  );
  return lines;
}
