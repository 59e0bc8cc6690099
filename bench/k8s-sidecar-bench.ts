// The sidecar in Kubernetes mode against the Kubernetes API double:
//   1. start -> ready with 20 Components in the namespace (15 in-memory, 5
//      Redis state stores on the machine's Redis): the runtime's own start-up
//      (list from the API server, initialise, open every port), in-process;
//   2. a changed Component applied by the running sidecar: from the API
//      server accepting the change to the new instance serving in the hub.
// Targets: both at most 1 s. The Node process start itself (module loading,
// measured by the startup benchmark) is not part of (1).
//   node dist/bench/k8s-sidecar-bench.js      (or: runK8sSidecarBench())
import { pathToFileURL } from "node:url";
import { Logger } from "../sidecar/log/logger.js";
import { loadCrds } from "../sidecar/resources/crd-schema.js";
import { parseSidecarFlags } from "../sidecar/runtime/flags.js";
import { Sidecar } from "../sidecar/runtime/sidecar.js";
import { startKubeApi, type KubeApi } from "../test/kube-api/server.js";
import { freePort, services } from "../test/support/services.js";
import { formatChecks, median, type Check } from "./bench-stats.js";

export interface K8sSidecarBenchResult {
  report: string;
  checks: Check[];
  startToReadyMs: number[];
  changeAppliedMs: number[];
}

const COMPONENTS = 20;

function component(ns: string, i: number, keyPrefix = "appid") {
  const redis = i % 4 === 0;
  return {
    apiVersion: "dapr.io/v1alpha1",
    kind: "Component",
    metadata: { name: `store-${i}`, namespace: ns },
    spec: redis
      ? { type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: `${services.redis.host}:${services.redis.port}` }, { name: "keyPrefix", value: keyPrefix }] }
      : { type: "state.in-memory", version: "v1", metadata: [{ name: "keyPrefix", value: keyPrefix }] },
  };
}

async function sidecarIn(api: KubeApi, ns: string, appId: string): Promise<Sidecar> {
  // The sidecar reads KUBECONFIG as it would outside a cluster.
  process.env.KUBECONFIG = api.kubeconfigPath;
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const opts = parseSidecarFlags([
    "--mode", "kubernetes", "--app-id", appId, "--dapr-listen-addresses", "127.0.0.1",
    "--dapr-http-port", String(ports[0]), "--dapr-grpc-port", String(ports[1]), "--dapr-internal-grpc-port", String(ports[2]),
    "--dapr-public-port", String(ports[3]), "--metrics-port", String(ports[4]), "--log-level", "warn",
  ], { ...process.env, NAMESPACE: ns });
  return new Sidecar(opts, { logger: new Logger({ level: "warn", scope: "bench" }) });
}

export async function runK8sSidecarBench(runs = 3, changes = 5): Promise<K8sSidecarBenchResult> {
  const api = await startKubeApi({ controllers: false });
  const startToReadyMs: number[] = [];
  const changeAppliedMs: number[] = [];
  try {
    for (const crd of loadCrds()) await api.create(crd as never);
    for (let run = 0; run < runs; run++) {
      const ns = `bench-${process.pid}-${run}`;
      await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      for (let i = 0; i < COMPONENTS; i++) await api.create(component(ns, i));
      const sidecar = await sidecarIn(api, ns, `bench-app-${run}`);
      const t0 = performance.now();
      await sidecar.start();
      const ready = await fetch(`http://127.0.0.1:${sidecar.ports.public}/v1.0/healthz`);
      startToReadyMs.push(performance.now() - t0);
      if (ready.status !== 204) throw new Error(`sidecar not ready after start(): ${ready.status} ${await ready.text()}`);
      if (sidecar.hub.list("state").length !== COMPONENTS) throw new Error(`expected ${COMPONENTS} state stores, got ${sidecar.hub.list("state").length}`);

      if (run === 0) {
        for (let c = 0; c < changes; c++) {
          const name = `store-${c % 2 === 0 ? 0 : 1}`; // alternate a Redis and an in-memory store
          const i = Number(name.split("-")[1]);
          const swapped = new Promise<number>((resolve) => {
            const off = sidecar.hub.onChange((n, loaded) => {
              if (n === name && loaded?.properties["keyPrefix"] === `p${c}`) {
                off();
                resolve(performance.now());
              }
            });
          });
          const t = performance.now();
          await api.apply(component(ns, i, `p${c}`));
          changeAppliedMs.push((await swapped) - t);
        }
      }
      await sidecar.stop("bench done");
    }
  } finally {
    await api.stop();
  }
  const start = median(startToReadyMs);
  const change = median(changeAppliedMs);
  const checks: Check[] = [
    { name: `start -> ready, ${COMPONENTS} Components (median of ${runs})`, value: `${start.toFixed(0)} ms`, target: "<= 1000 ms", pass: start <= 1000 },
    { name: `Component change applied (median of ${changes})`, value: `${change.toFixed(0)} ms`, target: "<= 1000 ms", pass: change <= 1000 },
  ];
  const report = formatChecks("sidecar in Kubernetes mode (API double)", [
    `start -> ready: ${startToReadyMs.map((v) => v.toFixed(0)).join(", ")} ms`,
    `change applied: ${changeAppliedMs.map((v) => v.toFixed(0)).join(", ")} ms (max ${Math.max(...changeAppliedMs).toFixed(0)} ms)`,
  ], checks);
  return { report, checks, startToReadyMs, changeAppliedMs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runK8sSidecarBench().then((r) => console.log(r.report), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
