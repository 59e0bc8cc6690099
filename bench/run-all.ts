// `make bench`: every benchmark in turn, each printing its numbers, ratios
// against a baseline measured in the same run, and PASS/FAIL per target.
// Targets are reported, not enforced (exit code 0), because a shared, noisy
// machine can fail them without a regression; a benchmark that crashes exits 1.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Check } from "./bench-stats.js";
import { runStartupBench } from "./startup-bench.js";
import { runStateBench } from "./state-bench.js";
import { runPubSubBench } from "./pubsub-bench.js";
import { runLockBench } from "./lock-bench.js";
import { runK8sSidecarBench } from "./k8s-sidecar-bench.js";
import { formatOperatorBench, runOperatorBench } from "./operator-bench.js";
import { runWorkflowBench } from "./workflow-bench.js";
import { runActorsBench } from "./actors-bench.js";
import { runInternalChannelBench } from "./internal-channel-bench.js";

interface Bench {
  name: string;
  run(): Promise<{ report: string; checks: Check[] }>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** A benchmark module written elsewhere; included when its compiled file exists. */
async function optionalModule(base: string): Promise<Record<string, unknown> | undefined> {
  const file = [`${base}.js`, `${base}.ts`].map((f) => path.join(here, f)).find((f) => existsSync(f));
  return file ? ((await import(pathToFileURL(file).href)) as Record<string, unknown>) : undefined;
}

async function injectorBench(): Promise<Bench | undefined> {
  const mod = (await optionalModule("injector-bench")) as {
    runInjectorBench?: () => Promise<{ p99Ms: number } & Record<string, unknown>>;
    formatInjectorBench?: (r: any) => string;
  } | undefined;
  if (!mod?.runInjectorBench) return undefined;
  return {
    name: "injector",
    run: async () => {
      const r = await mod.runInjectorBench!();
      const report = mod.formatInjectorBench ? mod.formatInjectorBench(r) : `== injector\n   ${JSON.stringify(r)}`;
      return { report, checks: [{ name: "injector p99", value: `${r.p99Ms.toFixed(2)} ms`, target: "<= 5 ms", pass: r.p99Ms <= 5 }] };
    },
  };
}

async function invokeBench(): Promise<Bench | undefined> {
  const mod = (await optionalModule("invoke-bench")) as { runInvokeBench?: () => Promise<{ report: string; checks: Check[] }> } | undefined;
  return mod?.runInvokeBench ? { name: "invoke", run: mod.runInvokeBench } : undefined;
}

async function main(): Promise<number> {
  const benches: Bench[] = [
    { name: "state", run: () => runStateBench() },
    { name: "startup", run: () => runStartupBench() },
    { name: "pubsub", run: () => runPubSubBench() },
    { name: "lock", run: () => runLockBench() },
    { name: "k8s-sidecar", run: () => runK8sSidecarBench() },
    {
      name: "operator",
      run: async () => {
        const r = await runOperatorBench();
        return { report: formatOperatorBench(r), checks: [{ name: "1,000 Components Ready", value: `${(r.allReadyMs / 1000).toFixed(1)} s`, target: "<= 10 s", pass: r.allReadyMs <= 10_000 }] };
      },
    },
    { name: "workflow", run: () => runWorkflowBench() },
    { name: "actors", run: () => runActorsBench() },
    { name: "internal-channel", run: () => runInternalChannelBench() },
  ];
  // A module that fails to load is reported like a crashed benchmark; the others still run.
  for (const [name, load] of [["invoke", invokeBench], ["injector", injectorBench]] as const) {
    try {
      const b = await load();
      if (b) benches.push(b);
    } catch (err) {
      benches.push({ name, run: () => Promise.reject(err) });
    }
  }

  // `make bench` runs all; `node dist/bench/run-all.js state invoke` runs the named ones.
  const only = process.argv.slice(2);
  const selected = only.length ? benches.filter((b) => only.includes(b.name)) : benches;
  console.log(`dapr-ts benchmarks: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}`);
  const failed: string[] = [];
  let crashed = false;
  for (const b of selected) {
    const t = performance.now();
    try {
      const r = await b.run();
      console.log(r.report);
      console.log(`   (${b.name} took ${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
      failed.push(...r.checks.filter((c) => !c.pass).map((c) => `${b.name}: ${c.name}`));
    } catch (err) {
      crashed = true;
      console.error(`== ${b.name}: CRASHED: ${(err as Error).stack ?? String(err)}\n`);
    }
  }
  console.log(failed.length === 0 ? "all targets met" : `targets missed (${failed.length}):\n${failed.map((f) => `  - ${f}`).join("\n")}`);
  if (os.loadavg()[0]! > os.cpus().length) console.log(`note: load average ${os.loadavg()[0]!.toFixed(2)} exceeds the CPU count; latencies are inflated by other work`);
  return crashed ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
}, (err) => {
  console.error(err);
  process.exitCode = 1;
});
