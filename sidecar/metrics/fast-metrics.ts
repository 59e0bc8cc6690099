// Counters and histograms for metrics updated on every API call. prom-client's
// Counter.inc and Histogram.observe check and hash the label object on every
// call and keep buckets in objects keyed by the bound as a string: 1-2 µs per
// update, and an API call makes four to six. Here each labelled series is a
// few plain numbers, found once per label set (or held by the caller as a
// `series()`), so an update is arithmetic. The registry is still prom-client's:
// these hand it exactly what its own Counter and Histogram would (names, label
// order, bucket lines, series order), so /metrics does not change;
// fast-metrics.test.ts compares the two side by side.
//
// Only what dapr-ts uses is here: inc/observe, series, get, reset.
// Unlike prom-client, label names are checked when a label set is first seen,
// not on every update.
import { format } from "node:util";
import type { Metric, Registry } from "prom-client";

export type LabelValues = Readonly<Record<string, string | number | undefined>>;

interface MetricConfig {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

// Prometheus's naming rules, as prom-client checks them.
const metricNameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNameRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** What the registry reads from a metric; prom-client's shape. */
interface ExportedValue {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
  sharedLabels?: LabelValues;
  exemplar?: null;
}

/** Series by label value, one level per label name; the series sits under `leaf`. */
type SeriesTree = Map<unknown, unknown>;
const leaf = Symbol("series");

abstract class SeriesMetric<S extends { labels: LabelValues; listed: boolean }> {
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  private readonly tree: SeriesTree = new Map();
  /** Series updated since the last reset, in the order of their first update (prom-client's order). */
  protected listed: S[] = [];

  constructor(cfg: MetricConfig) {
    if (!cfg.help) throw new Error("Missing mandatory help parameter");
    if (!metricNameRe.test(cfg.name)) throw new Error("Invalid metric name");
    if (!cfg.labelNames.every((l) => labelNameRe.test(l))) throw new Error("Invalid label name");
    this.name = cfg.name;
    this.help = cfg.help;
    this.labelNames = [...cfg.labelNames];
    // The registry only reads name, help, type, aggregator, get() and reset().
    for (const r of cfg.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The series for `labels`; hold on to it to update it without any lookup. */
  series(labels: LabelValues): S {
    // Nested maps rather than one joined key: no string is built per lookup.
    // Same identity as prom-client's: a label is its value as text, absent = undefined.
    let node = this.tree;
    for (const n of this.labelNames) {
      const v = labels[n];
      const k = typeof v === "number" ? String(v) : v;
      let next = node.get(k) as SeriesTree | undefined;
      if (!next) {
        next = new Map();
        node.set(k, next);
      }
      node = next;
    }
    let s = node.get(leaf) as S | undefined;
    if (!s) {
      for (const l of Object.keys(labels)) {
        if (!this.labelNames.includes(l)) throw new Error(`Added label "${l}" is not included in initial labelset: ${format(this.labelNames)}`);
      }
      s = this.newSeries(labels);
      node.set(leaf, s);
    }
    return s;
  }

  reset(): void {
    for (const s of this.listed) this.clear(s);
    this.listed = [];
  }

  /** Called by a series on its first update since creation or reset. */
  list(s: S): void {
    s.listed = true;
    this.listed.push(s);
  }

  protected abstract newSeries(labels: LabelValues): S;
  protected abstract clear(s: S): void;
}

export class CounterSeries {
  value = 0;
  listed = false;

  constructor(readonly labels: LabelValues, private readonly owner: FastCounter) {}

  inc(by = 1): void {
    if (by && !Number.isFinite(by)) throw new TypeError(`Value is not a valid number: ${format(by)}`);
    if (by < 0) throw new Error("It is not possible to decrease a counter");
    if (!this.listed) this.owner.list(this);
    this.value += by;
  }
}

export class FastCounter extends SeriesMetric<CounterSeries> {
  readonly type = "counter";

  inc(labels: LabelValues, by = 1): void {
    this.series(labels).inc(by);
  }

  async get() {
    return { help: this.help, name: this.name, type: this.type, values: this.listed.map((s) => ({ value: s.value, labels: s.labels })), aggregator: this.aggregator };
  }

  protected newSeries(labels: LabelValues): CounterSeries {
    return new CounterSeries(labels, this);
  }

  protected clear(s: CounterSeries): void {
    s.value = 0;
    s.listed = false;
  }
}

export class HistogramSeries {
  /** Observations per bucket, not cumulative; the last slot is above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  listed = false;

  constructor(readonly labels: LabelValues, private readonly owner: FastHistogram) {
    this.counts = new Array<number>(owner.bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
    if (!this.listed) this.owner.list(this);
    const bounds = this.owner.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class FastHistogram extends SeriesMetric<HistogramSeries> {
  readonly type = "histogram";
  readonly bounds: readonly number[];

  constructor(cfg: MetricConfig & { buckets: readonly number[] }) {
    super(cfg);
    if (cfg.labelNames.includes("le")) throw new Error("le is a reserved label keyword");
    this.bounds = [...cfg.buckets];
  }

  observe(labels: LabelValues, value: number): void {
    this.series(labels).observe(value);
  }

  /** For the text format: bucket lines carry `le` and share the series labels (prom-client's layout). */
  async getForPromString() {
    const values: ExportedValue[] = [];
    for (const s of this.listed) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { le: this.bounds[i] }, sharedLabels: s.labels, value: acc, metricName: `${this.name}_bucket`, exemplar: null });
      }
      values.push({ labels: { le: "+Inf" }, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** For JSON: the series labels merged into each line's own, after `le`. */
  async get() {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })),
    };
  }

  protected newSeries(labels: LabelValues): HistogramSeries {
    return new HistogramSeries(labels, this);
  }

  protected clear(s: HistogramSeries): void {
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
    s.listed = false;
  }
}
