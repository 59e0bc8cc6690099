// Operator throughput: N Components created at once against the Kubernetes
// API double, timed until every one has a Ready=True condition written by
// `dapr-ts operator` running as its own process (so its RSS is its own).
// Target: 1,000 Components Ready within 10 s. Printed, not asserted.
//   node dist/bench/operator-bench.js [count]      (after `npx tsc -p tsconfig.build.json`)
//   npx tsx bench/operator-bench.ts [count]
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { installDaprCrds, readyCondition } from "../test/e2e-k8s/operator-harness.js";
import { startKubeApi } from "../test/kube-api/server.js";
import { rawClient } from "../test/kube-api/test-client.js";
import { freePort, waitForPort } from "../test/support/services.js";

export interface OperatorBenchResult {
  count: number;
  /** From the first create until every Component is Ready=True. */
  allReadyMs: number;
  /** Time to send the N creates (the operator works meanwhile). */
  createMs: number;
  /** The operator process's resident memory after the run. */
  operatorRssBytes: number;
  /** CPU time (user+system) the operator process spent from the first create to all Ready: unlike wall time, not inflated by other load. */
  operatorCpuMs: number;
  loadAverage: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The CLI to run: the compiled one next to a compiled bench, else the TypeScript source through tsx. */
function operatorCommand(): { cmd: string; args: string[] } {
  const compiled = path.join(here, "..", "cli", "main.js");
  if (here.includes(`${path.sep}dist${path.sep}`) && existsSync(compiled)) return { cmd: process.execPath, args: [compiled] };
  return { cmd: process.execPath, args: ["--import", "tsx", path.join(here, "..", "cli", "main.ts")] };
}

/** utime+stime of a process, in ms (clock ticks are 100 Hz on Linux). */
function cpuMsOf(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

export async function runOperatorBench(count = 1000): Promise<OperatorBenchResult> {
  const api = await startKubeApi({ controllers: false, namespaces: ["dapr-system", "bench"] });
  const client = rawClient(api, 32);
  let child: ChildProcess | undefined;
  try {
    await installDaprCrds(api);
    const healthz = await freePort();
    const { cmd, args } = operatorCommand();
    child = spawn(cmd, [...args, "operator", "--kubeconfig", api.kubeconfigPath, "--namespace", "dapr-system", "--healthz-port", String(healthz), "--metrics-port=-1", "--log-level", process.env.BENCH_LOG_LEVEL ?? "error", "--retry-period", "200ms", "--renew-deadline", "1s", "--lease-duration", "2s"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, POD_NAME: "operator-bench" },
    });
    const exited = new Promise<never>((_, reject) => child!.once("exit", (code) => reject(new Error(`the operator exited with ${code}`))));
    exited.catch(() => {});
    await Promise.race([waitForPort(healthz, "127.0.0.1", 30_000), exited]);
    // Ready means caches synced; then wait for the Lease so timing starts with a working leader.
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${healthz}/readyz`).catch(() => undefined);
      const lease = api.get("coordination.k8s.io/v1", "Lease", "dapr-ts-operator", "dapr-system");
      if (r?.status === 200 && lease) break;
      await new Promise((res) => setTimeout(res, 50));
    }

    const cpuBefore = cpuMsOf(child);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        client.call("POST", "/apis/dapr.io/v1alpha1/namespaces/bench/components", {
          apiVersion: "dapr.io/v1alpha1",
          kind: "Component",
          metadata: { name: `store-${i}` },
          spec: { type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: `redis-${i}:6379` }] },
        }).then((r) => {
          if (r.status !== 201) throw new Error(`create store-${i}: ${r.status} ${JSON.stringify(r.body)}`);
        }),
      ),
    );
    const createMs = performance.now() - started;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = api.list("dapr.io/v1alpha1", "Component", "bench").filter((c) => readyCondition(c)?.status === "True").length;
      if (ready === count) break;
      if (Date.now() > deadline) throw new Error(`only ${ready} of ${count} Components Ready after 60 s`);
      // Listing copies every object in the double, which shares this process: poll gently, to not slow it down.
      await new Promise((res) => setTimeout(res, 100));
    }
    const allReadyMs = performance.now() - started;
    return { count, allReadyMs, createMs, operatorRssBytes: rssOf(child), operatorCpuMs: cpuMsOf(child) - cpuBefore, loadAverage: os.loadavg()[0]! };
  } finally {
    child?.kill("SIGTERM");
    await client.close();
    await api.stop();
  }
}

export function formatOperatorBench(r: OperatorBenchResult): string {
  return `operator: ${r.count} Components created at once, all Ready in ${(r.allReadyMs / 1000).toFixed(2)} s (creates sent in ${(r.createMs / 1000).toFixed(2)} s); operator RSS ${(r.operatorRssBytes / 1024 / 1024).toFixed(1)} MiB, operator CPU ${(r.operatorCpuMs / 1000).toFixed(2)} s (load average ${r.loadAverage.toFixed(1)})`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 1000);
  runOperatorBench(count).then(
    (r) => {
      process.stdout.write(formatOperatorBench(r) + "\n");
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`operator bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
