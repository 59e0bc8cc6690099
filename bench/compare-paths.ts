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
// The floors, if given (bench/transport-floor.ts), are measured at the same
// rate in the same rounds, per transport: the no-op floor (Node's own round
// trip to a server in another process that does nothing) and the proxy floor
// (the smallest Node proxy doing the same Redis work). The sidecar is judged
// against direct, as the targets are; the floors say how much of what it adds
// any Node process in between would add, and what is its own.
//
// Every measurement alternates sides round by round (direct, then per
// transport: no-op floor, proxy floor, sidecar; direct, ...) so a noisy phase
// of the machine hits every side alike; all paced rounds come before the
// saturation rounds, so latency is not measured in the aftermath (garbage,
// backlog) of saturating the sidecar.
import { cpuTimeMs } from "./bench-sidecar.js";
import { closedLoop, merge, ms, percentile, type Check, type LoadResult } from "./bench-stats.js";
import { pacedLoad } from "./paced-load.js";

type Call = () => Promise<void>;
type Side = "direct" | "grpc" | "http";
type Transport = "grpc" | "http";
const TRANSPORTS: Transport[] = ["grpc", "http"];
const FLOOR_KINDS = ["noop", "proxy"] as const;
type FloorKind = (typeof FLOOR_KINDS)[number];

/** The floors' calls, per transport: the no-op servers and the minimal Node proxy. */
export type Floors = Partial<Record<FloorKind, Record<Transport, Call>>>;

export interface PathComparison {
  /** Latency at the fixed rate. */
  paced: Record<Side, LoadResult>;
  /** Milliseconds each paced request left after its due time (how well the client kept the rate). */
  sendLagMs: number[];
  /** The floors measured at the same rate in the same rounds. */
  floors: Partial<Record<FloorKind, Record<Transport, LoadResult>>>;
  /** Closed loop, `inFlight` outstanding: throughput. */
  saturation: Record<Side, LoadResult>;
  /** The minimal Node proxy's throughput in the same closed loop, when that floor is given. */
  proxySaturation?: Record<Transport, LoadResult>;
  /** Sidecar CPU milliseconds spent during the gRPC and the HTTP saturation rounds. */
  cpuMs: { grpc: number; http: number };
  /** Further paced sides, by label, measured in the same rounds (e.g. another client). */
  extra: Record<string, LoadResult>;
}

/** What a bench built on this comparison returns: the numbers, its checks, and the printed report. */
export interface PathBenchResult {
  comparison: PathComparison;
  checks: Check[];
  report: string;
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

/**
 * `extra`: further paced sides by label, each measured once per round after the
 * gRPC and HTTP groups, printed with what it adds over direct; not judged, not saturated.
 */
export async function comparePaths(fns: Record<Side, Call>, floors: Floors, o: CompareOptions, extra: Record<string, Call> = {}): Promise<PathComparison> {
  const sides: Side[] = ["direct", "grpc", "http"];
  const kinds = FLOOR_KINDS.filter((k) => floors[k]);
  // Warm-up: JIT, connection pools, backend connections; then a short paced
  // spell so the sidecar has settled from the closed loop before measuring.
  for (const s of sides) await closedLoop(fns[s], o.inFlight, 500);
  for (const k of kinds) for (const t of TRANSPORTS) await closedLoop(floors[k]![t], o.inFlight, 300);
  for (const s of sides) await pacedLoad(fns[s], o.ratePerSecond, 300);
  for (const k of kinds) for (const t of TRANSPORTS) await pacedLoad(floors[k]![t], o.ratePerSecond, 300);
  for (const fn of Object.values(extra)) await closedLoop(fn, o.inFlight, 300);

  const paced = { direct: [] as LoadResult[], grpc: [] as LoadResult[], http: [] as LoadResult[] };
  const floorRounds = Object.fromEntries(kinds.map((k) => [k, { grpc: [] as LoadResult[], http: [] as LoadResult[] }]));
  const extraRounds: Record<string, LoadResult[]> = Object.fromEntries(Object.keys(extra).map((k) => [k, []]));
  const sendLagMs: number[] = [];
  const pacedRound = async (fn: Call) => {
    const r = await pacedLoad(fn, o.ratePerSecond, o.pacedRoundMs);
    sendLagMs.push(...r.sendLagMs);
    return r;
  };
  for (let i = 0; i < o.rounds; i++) {
    paced.direct.push(await pacedRound(fns.direct));
    // Per transport the sidecar comes right after the floors it is set against.
    for (const t of TRANSPORTS) {
      for (const k of kinds) floorRounds[k]![t].push(await pacedRound(floors[k]![t]));
      paced[t].push(await pacedRound(fns[t]));
    }
    for (const [label, fn] of Object.entries(extra)) extraRounds[label]!.push(await pacedRound(fn));
  }

  const saturation = { direct: [] as LoadResult[], grpc: [] as LoadResult[], http: [] as LoadResult[] };
  const cpuMs = { grpc: 0, http: 0 };
  const proxySat = { grpc: [] as LoadResult[], http: [] as LoadResult[] };
  for (let i = 0; i < o.rounds; i++) {
    for (const s of sides) {
      const before = s === "direct" ? 0 : cpuTimeMs(o.sidecarPid);
      saturation[s].push(await closedLoop(fns[s], o.inFlight, o.saturationRoundMs));
      if (s !== "direct") cpuMs[s] += cpuTimeMs(o.sidecarPid) - before;
    }
    // What the least a Node process can do keeps of the direct throughput: the floor of "throughput / direct".
    if (floors.proxy) for (const t of TRANSPORTS) proxySat[t].push(await closedLoop(floors.proxy[t], o.inFlight, o.saturationRoundMs));
  }
  return {
    paced: { direct: merge(paced.direct), grpc: merge(paced.grpc), http: merge(paced.http) },
    sendLagMs,
    floors: Object.fromEntries(kinds.map((k) => [k, { grpc: merge(floorRounds[k]!.grpc), http: merge(floorRounds[k]!.http) }])),
    saturation: { direct: merge(saturation.direct), grpc: merge(saturation.grpc), http: merge(saturation.http) },
    cpuMs,
    ...(floors.proxy ? { proxySaturation: { grpc: merge(proxySat.grpc), http: merge(proxySat.http) } } : {}),
    extra: Object.fromEntries(Object.entries(extraRounds).map(([k, rs]) => [k, merge(rs)])),
  };
}

const pcts = (r: LoadResult) => [50, 90, 99].map((q) => `p${q} ${ms(percentile(r.latenciesMs, q))}`).join("  ");
const p50 = (r: LoadResult) => percentile(r.latenciesMs, 50);
const TRANSPORT_LABEL: Record<Transport, string> = { grpc: "gRPC", http: "HTTP" };
const NOOP_SERVER: Record<Transport, string> = { grpc: "no-op grpc-js server", http: "no-op node:http server" };

/**
 * The lines both benches print: paced latency of direct, then per transport the
 * floors and the sidecar with what each adds at p50; saturation; sidecar CPU;
 * and, with the proxy floor, a closing INFO line beside the checks.
 */
export function describeComparison(
  c: PathComparison,
  o: CompareOptions & { unit: string; directLabel: string },
): string[] {
  const row = (label: string, r: LoadResult) => `  ${label.padEnd(36)} ${pcts(r)}  (${r.latenciesMs.length} ${o.unit}s, ${r.errors} errors)`;
  const lag = [...c.sendLagMs].sort((a, b) => a - b);
  const direct = c.paced.direct;
  const lines = [
    `latency at ${o.ratePerSecond.toLocaleString("en-US")} ${o.unit}s/s, paced, ${o.rounds} x ${o.pacedRoundMs} ms rounds per side ` +
      `(sent after due: p50 ${ms(percentile(lag, 50))}, p99 ${ms(percentile(lag, 99))}):`,
    row(o.directLabel, direct),
  ];
  const { noop, proxy } = c.floors;
  for (const t of TRANSPORTS) {
    const T = TRANSPORT_LABEL[t];
    if (noop) lines.push(row(`${T} floor: ${NOOP_SERVER[t]}`, noop[t]));
    if (proxy) lines.push(row(`${T} floor: minimal Node proxy`, proxy[t]));
    lines.push(row(`${T} sidecar`, c.paced[t]));
    const added = [`sidecar ${ms(p50(c.paced[t]) - p50(direct))}`];
    if (noop) added.push(`no-op floor ${ms(p50(noop[t]) - p50(direct))}`);
    if (proxy) added.push(`proxy floor ${ms(p50(proxy[t]) - p50(direct))}`);
    const own = proxy ? `; sidecar added p50 over the proxy floor (its own share): ${ms(p50(c.paced[t]) - p50(proxy[t]))}` : "";
    lines.push(`    ${T} added p50 over direct: ${added.join(", ")}${own}`);
  }
  for (const [label, r] of Object.entries(c.extra)) {
    lines.push(row(label, r), `    added p50 over direct: ${ms(p50(r) - p50(direct))}`);
  }
  const s = c.saturation;
  const pct = (r: LoadResult) => `${((r.throughput / s.direct.throughput) * 100).toFixed(1)} %`;
  lines.push(
    `saturation, ${o.inFlight} in flight, ${o.rounds} x ${o.saturationRoundMs} ms rounds per side: ` +
      `direct ${Math.round(s.direct.throughput)}/s, gRPC ${Math.round(s.grpc.throughput)}/s (${pct(s.grpc)}), HTTP ${Math.round(s.http.throughput)}/s (${pct(s.http)})` +
      ` (errors ${s.direct.errors}/${s.grpc.errors}/${s.http.errors})`,
    ...(c.proxySaturation
      ? [`  minimal Node proxy in the same rounds: gRPC ${Math.round(c.proxySaturation.grpc.throughput)}/s (${pct(c.proxySaturation.grpc)}), ` +
        `HTTP ${Math.round(c.proxySaturation.http.throughput)}/s (${pct(c.proxySaturation.http)})`]
      : []),
    `sidecar CPU per ${o.unit} (saturation rounds): gRPC ${ms(c.cpuMs.grpc / s.grpc.latenciesMs.length)}, HTTP ${ms(c.cpuMs.http / s.http.latenciesMs.length)}`,
  );
  if (proxy) {
    const each = (f: (t: Transport) => number) => TRANSPORTS.map((t) => `${TRANSPORT_LABEL[t]} ${ms(f(t))}`).join(", ");
    lines.push(
      `INFO  sidecar's own share of p50, over the minimal Node proxy: ${each((t) => p50(c.paced[t]) - p50(proxy[t]))}; ` +
        `the checks below judge sidecar vs direct, so they also hold what that proxy adds over direct: ${each((t) => p50(proxy[t]) - p50(direct))}`,
    );
  }
  return lines;
}
