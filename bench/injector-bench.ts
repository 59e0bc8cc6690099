// Injector latency: N AdmissionReviews over HTTPS to a running injector, one
// at a time on a keep-alive connection (as the API server sends them), and
// the p50/p99 per review. Target: p99 <= 5 ms. Printed, never asserted.
//   node dist/bench/injector-bench.js [count]
import https from "node:https";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createCa, issueServingCert } from "../injector/certs/generate.js";
import { defaultPatchConfig } from "../injector/patch/sidecar-patch-config.js";
import { startInjectorServer } from "../injector/server.js";
import { silentLogger } from "../sidecar/log/logger.js";

export interface InjectorBenchResult {
  count: number; p50Ms: number; p99Ms: number; maxMs: number; totalMs: number;
  /** CPU time (user+system, client and server together) per review: unlike latency, not inflated by other load on the machine. */
  cpuPerReviewMs: number;
  loadAverage: number;
}

function review(i: number): string {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: `bench-${i}`,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: "bench",
      operation: "CREATE",
      userInfo: { username: "system:serviceaccount:kube-system:replicaset-controller" },
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          generateName: `app-${i % 10}-5d8f7c9b4-`,
          labels: { app: `app-${i % 10}` },
          annotations: { "dapr.io/enabled": "true", "dapr.io/app-id": `app-${i % 10}`, "dapr.io/app-port": "8080", "dapr.io/config": "tracing" },
        },
        spec: { containers: [{ name: "app", image: "example/app:1", ports: [{ containerPort: 8080 }], env: [{ name: "MODE", value: "bench" }] }] },
      },
    },
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function runInjectorBench(count = 1000): Promise<InjectorBenchResult> {
  const ca = createCa();
  const tls = issueServingCert(ca, ["localhost"]);
  const server = await startInjectorServer({
    port: 0,
    host: "127.0.0.1",
    tls: { key: tls.keyPem, cert: tls.certPem },
    deps: { patchConfig: defaultPatchConfig(), auth: { restrictToControllers: false, allowedServiceAccounts: [], allowedServiceAccountPrefixes: [] } },
    logger: silentLogger,
  });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.certPem, servername: "localhost" });
  const post = (body: string) => new Promise<void>((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port: server.port, path: "/mutate", method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
  try {
    const bodies = Array.from({ length: count }, (_, i) => review(i));
    // Warm-up: TLS handshake and JIT, not measured.
    for (let i = 0; i < 50; i++) await post(bodies[i % bodies.length]!);
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of bodies) {
      const s = performance.now();
      await post(b);
      times.push(performance.now() - s);
    }
    const totalMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    return {
      count, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99), maxMs: times.at(-1)!, totalMs,
      cpuPerReviewMs: (cpu.user + cpu.system) / 1000 / count,
      loadAverage: os.loadavg()[0]!,
    };
  } finally {
    agent.destroy();
    await server.close();
  }
}

export function formatInjectorBench(r: InjectorBenchResult): string {
  return `injector: ${r.count} AdmissionReviews over HTTPS: p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms (target <= 5 ms), max ${r.maxMs.toFixed(2)} ms, total ${r.totalMs.toFixed(0)} ms; CPU ${r.cpuPerReviewMs.toFixed(2)} ms/review; load average ${r.loadAverage.toFixed(1)} on ${os.cpus().length} CPUs`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = Number(process.argv[2] ?? 1000);
  runInjectorBench(Number.isInteger(count) && count > 0 ? count : 1000)
    .then((r) => { console.log(formatInjectorBench(r)); process.exit(0); })
    .catch((err) => { console.error(`injector bench failed: ${err instanceof Error ? err.message : String(err)}`); process.exit(1); });
}
