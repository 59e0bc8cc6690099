// Workflow throughput (issue 9 "Speed"): a three-activity workflow on Redis,
// the official SDK's worker (WorkflowRuntime) and client (DaprWorkflowClient)
// against the sidecar. A closed loop keeps `inFlight` workflows running; each
// completion starts the next. Prints completed workflows/s and start-to-
// completion p50/p99. Target: >= 100 workflows/s on the 2-core machine.
//   node dist/bench/workflow-bench.js        (or: npx tsx bench/workflow-bench.ts)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DaprWorkflowClient, LogLevel, WorkflowRuntime, type WorkflowActivityContext, type WorkflowContext } from "@dapr/dapr";
import { closedLoop, formatChecks, ms, percentile, type Check, type LoadResult } from "./bench-stats.js";
import { cpuTimeMs, startBenchSidecar } from "./bench-sidecar.js";
import { redisComponentDir } from "../test/support/resources.js";

export interface WorkflowBenchOptions {
  inFlight?: number;
  durationMs?: number;
  warmupMs?: number;
  /** How long to run one workflow at a time for the unqueued latency. */
  aloneMs?: number;
}

export interface WorkflowBenchResult {
  load: LoadResult;
  alone: LoadResult;
  checks: Check[];
  report: string;
}

function resources(): string {
  return redisComponentDir("statestore", "state.redis", { actorStateStore: "true" });
}

const validate = async (_: WorkflowActivityContext, order: { id: number; qty: number }) => order.qty > 0;
const reserve = async (_: WorkflowActivityContext, order: { id: number; qty: number }) => ({ reserved: order.qty });
const notify = async (_: WorkflowActivityContext, id: number) => `order ${id} done`;
const threeActivities = async function* (ctx: WorkflowContext, order: { id: number; qty: number }): any {
  yield ctx.callActivity(validate, order);
  yield ctx.callActivity(reserve, order);
  return yield ctx.callActivity(notify, order.id);
};

export async function runWorkflowBench(o: WorkflowBenchOptions = {}): Promise<WorkflowBenchResult> {
  const inFlight = o.inFlight ?? 200;
  const durationMs = o.durationMs ?? 10_000;
  const warmupMs = o.warmupMs ?? 2_000;
  const sidecar = await startBenchSidecar(`wf-bench-${process.pid}-${Date.now().toString(36)}`, ["--resources-path", resources()]);
  // The SDK's internal durabletask loggers print every work item at info level
  // regardless of options; that console I/O would dominate the measurement.
  const saved = { info: console.info, log: console.log, warn: console.warn, error: console.error };
  console.info = console.log = console.warn = console.error = () => {};
  const opts = { daprHost: "127.0.0.1", daprPort: String(sidecar.grpcPort), logger: { level: LogLevel.Error } };
  const runtime = new WorkflowRuntime(opts).registerWorkflow(threeActivities).registerActivity(validate).registerActivity(reserve).registerActivity(notify);
  const client = new DaprWorkflowClient(opts);
  try {
    await runtime.start();
    let n = 0;
    const one = async () => {
      const id = await client.scheduleNewWorkflow(threeActivities, { id: ++n, qty: 2 });
      const state = await client.waitForWorkflowCompletion(id, false, 120);
      if (state?.runtimeStatus !== 1) throw new Error(`workflow ${id} ended as ${state?.runtimeStatus}`);
    };
    await closedLoop(one, inFlight, warmupMs);
    const cpuSidecar0 = cpuTimeMs(sidecar.proc.pid!), cpuHere0 = process.cpuUsage();
    const load = await closedLoop(one, inFlight, durationMs);
    const cpuSidecar = cpuTimeMs(sidecar.proc.pid!) - cpuSidecar0;
    const here = process.cpuUsage(cpuHere0);
    const cpuApp = (here.user + here.system) / 1000;
    const done = Math.max(1, load.latenciesMs.length);
    // One workflow at a time: its start-to-completion time without queueing behind others.
    const alone = await closedLoop(one, 1, o.aloneMs ?? 2_000);
    const p50 = percentile(load.latenciesMs, 50), p99 = percentile(load.latenciesMs, 99);
    const checks: Check[] = [{ name: "completed workflows/s", value: load.throughput.toFixed(1), target: ">= 100", pass: load.throughput >= 100 }];
    const report = formatChecks("workflow: three-activity workflow, Redis, SDK worker", [
      `${inFlight} workflows in flight for ${(durationMs / 1000).toFixed(0)} s: ${load.latenciesMs.length} completed, ${load.errors} errors`,
      `throughput ${load.throughput.toFixed(1)} workflows/s`,
      `start-to-completion p50 ${ms(p50)}, p99 ${ms(p99)}`,
      `one at a time (${alone.latenciesMs.length} workflows): start-to-completion p50 ${ms(percentile(alone.latenciesMs, 50))}, p99 ${ms(percentile(alone.latenciesMs, 99))}`,
      // CPU per workflow is what a busy, shared machine cannot distort much.
      `CPU per workflow: sidecar ${ms(cpuSidecar / done)}, SDK app ${ms(cpuApp / done)}`,
    ], checks);
    return { load, alone, checks, report };
  } finally {
    await runtime.stop().catch(() => {});
    await client.stop().catch(() => {});
    await sidecar.stop();
    Object.assign(console, saved);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runWorkflowBench({ durationMs: Number(process.env.BENCH_MS ?? 10_000), inFlight: Number(process.env.BENCH_INFLIGHT ?? 200) }).then(
    (r) => { console.log(r.report); process.exit(0); },
    (err) => { console.error(err); process.exit(1); },
  );
}
