import { describe, expect, it } from "vitest";
import { Logger } from "../log/logger.js";
import { BatchTracer, type SpanExporter } from "./batch-tracer.js";
import type { SpanRecord } from "./tracer.js";

const span = (i: number): SpanRecord => ({
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736", id: i.toString(16).padStart(16, "0"), name: "/m", kind: "SERVER",
  startMs: Date.now(), durationMs: 1, tags: {},
});

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: new Logger({ json: true, level: "debug", sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }) };
}

const until = async (ok: () => boolean, ms = 3000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
};

describe("BatchTracer", () => {
  it("sends recorded spans in batches, one export at a time", async () => {
    const batches: number[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const exporter: SpanExporter = {
      async export(spans) {
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await new Promise((r) => setTimeout(r, 20));
        batches.push(spans.length);
        concurrent--;
      },
    };
    const t = new BatchTracer("test", exporter, capture().logger, { flushIntervalMs: 10, maxBatch: 4 });
    for (let i = 0; i < 10; i++) t.record(span(i));
    await t.close();
    expect(batches.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...batches)).toBeLessThanOrEqual(4);
    expect(maxConcurrent).toBe(1);
  });

  it("never blocks the caller on a collector that hangs, and bounds what it holds", async () => {
    const { logger, lines } = capture();
    let exports = 0;
    const hanging: SpanExporter = { export: () => { exports++; return new Promise(() => {}); } };
    const t = new BatchTracer("hang", hanging, logger, { flushIntervalMs: 5, maxBatch: 10, maxQueue: 100, failureLogIntervalMs: 60_000 });
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) t.record(span(i));
    expect(performance.now() - started).toBeLessThan(500);
    await until(() => exports > 0);
    expect(exports).toBe(1); // the first batch is still pending; nothing piles up behind it
    // Over the queue bound spans are dropped and said so once.
    const warns = lines.filter((l) => l.level === "warn");
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ msg: "spans were not exported", exporter: "hang", reason: "queue full" });
  });

  it("logs export failures at most once per interval, counting what was lost", async () => {
    const { logger, lines } = capture();
    let calls = 0;
    const failing: SpanExporter = { export: async () => { calls++; throw new Error("connect ECONNREFUSED 127.0.0.1:4318"); } };
    const t = new BatchTracer("otlp/http", failing, logger, { flushIntervalMs: 5, maxBatch: 1, failureLogIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) t.record(span(i));
    await until(() => calls >= 5);
    const warns = (): Record<string, unknown>[] => lines.filter((l) => l.level === "warn");
    expect(warns()).toHaveLength(1);
    expect(warns()[0]).toMatchObject({ droppedSpans: 1, failedRequests: 1, error: "connect ECONNREFUSED 127.0.0.1:4318" });
    // Closing reports what the rate limit held back.
    await t.close();
    expect(warns()).toHaveLength(2);
    expect(warns()[1]).toMatchObject({ droppedSpans: 4, failedRequests: 4 });
  });

  it("drops spans quietly after an exporter that could not be created, having said so once", async () => {
    const { logger, lines } = capture();
    const t = new BatchTracer("otlp/grpc", Promise.reject(new Error("bad header")), logger, { flushIntervalMs: 5 });
    await until(() => lines.length > 0);
    for (let i = 0; i < 5; i++) t.record(span(i));
    await t.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "error", exporter: "otlp/grpc", error: "bad header" });
  });

  it("waits for a module still loading before the first export", async () => {
    const got: SpanRecord[] = [];
    const later = new Promise<SpanExporter>((r) => setTimeout(() => r({ export: async (s) => { got.push(...s); } }), 50));
    const t = new BatchTracer("lazy", later, capture().logger, { flushIntervalMs: 5 });
    t.record(span(1));
    await t.close();
    expect(got).toHaveLength(1);
  });
});
