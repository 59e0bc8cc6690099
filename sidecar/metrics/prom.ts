// The parts of prom-client dapr-ts uses (Registry, Counter, Gauge, Histogram),
// loaded from their own modules. prom-client's index also loads Summary,
// Pushgateway, the cluster aggregator (with node's cluster and child_process)
// and its default process metrics (with @opentelemetry/api): about 60 ms of
// start-up for nothing the sidecar needs then. Import metric classes from here,
// not from "prom-client" (`import type` from "prom-client" is fine); the
// classes are prom-client's own, so a metric made here or from the index is
// the same thing. prom.test.ts checks these paths against the installed version.
import { createRequire } from "node:module";
import type * as Prom from "prom-client";

const require = createRequire(import.meta.url);

export const Registry = require("prom-client/lib/registry") as typeof Prom.Registry;
export const Counter = require("prom-client/lib/counter") as typeof Prom.Counter;
export const Gauge = require("prom-client/lib/gauge") as typeof Prom.Gauge;
export const Histogram = require("prom-client/lib/histogram") as typeof Prom.Histogram;
export type Registry = Prom.Registry;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;

/** prom-client's collectDefaultMetrics, loaded when first called. */
export function collectDefaultMetrics(config: Prom.DefaultMetricsCollectorConfiguration<"text/plain; version=0.0.4; charset=utf-8">): void {
  (require("prom-client/lib/defaultMetrics") as typeof Prom.collectDefaultMetrics)(config);
}
