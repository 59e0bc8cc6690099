// The measurement both the state and the lock benchmarks make: the same work
// done directly against the backend and through the sidecar over gRPC and
// HTTP, warmed up, then in alternating rounds (so a noisy phase of the machine
// hits every side), with the sidecar's own CPU time per side.
import { cpuTimeMs } from "./bench-sidecar.js";
import { closedLoop, merge, type LoadResult } from "./bench-stats.js";

export interface PathComparison {
  direct: LoadResult;
  grpc: LoadResult;
  http: LoadResult;
  /** Sidecar CPU milliseconds spent during the gRPC and the HTTP rounds. */
  cpuMs: { grpc: number; http: number };
}

export async function comparePaths(
  fns: { direct: () => Promise<void>; grpc: () => Promise<void>; http: () => Promise<void> },
  o: { inFlight: number; rounds: number; roundMs: number; sidecarPid: number },
): Promise<PathComparison> {
  // Warm-up: JIT, connection pools, backend connections.
  for (const fn of [fns.direct, fns.grpc, fns.http]) await closedLoop(fn, o.inFlight, 500);
  const results = { direct: [] as LoadResult[], grpc: [] as LoadResult[], http: [] as LoadResult[] };
  // The sidecar's CPU per request does not depend on other load on the machine, unlike latency.
  const cpuMs = { grpc: 0, http: 0 };
  const measuredCpu = async (side: "grpc" | "http") => {
    const before = cpuTimeMs(o.sidecarPid);
    const r = await closedLoop(fns[side], o.inFlight, o.roundMs);
    cpuMs[side] += cpuTimeMs(o.sidecarPid) - before;
    return r;
  };
  for (let i = 0; i < o.rounds; i++) {
    results.direct.push(await closedLoop(fns.direct, o.inFlight, o.roundMs));
    results.grpc.push(await measuredCpu("grpc"));
    results.http.push(await measuredCpu("http"));
  }
  return { direct: merge(results.direct), grpc: merge(results.grpc), http: merge(results.http), cpuMs };
}
