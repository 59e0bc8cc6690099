import { Counter, Gauge } from "../metrics/prom.js";
import { metricsRegistry } from "../metrics/registry.js";

export const componentLoadedGauge = new Gauge({
  name: "dapr_runtime_component_loaded",
  help: "The number of successfully loaded components",
  labelNames: ["app_id"],
  registers: [metricsRegistry],
});

export const componentInitCounter = new Counter({
  name: "dapr_runtime_component_init_total",
  help: "The number of initialized components",
  labelNames: ["app_id", "type", "success"],
  registers: [metricsRegistry],
});
