// What a sidecar loads at start-up. The embedded default (no resources path:
// SQLite state, in-memory pub/sub, local actor placement) must not load the
// client libraries of components and backends it does not use: they cost
// start-up time and idle memory (issue #2). The protobuf reflection of the
// messages is built on the first gRPC message, not at start-up, and that first
// call must work. Module loads are recorded by test/support/module-log-hook.ts.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { redisComponentDir } from "../support/resources.js";
import { uniqueName } from "../support/services.js";
import { packagesIn } from "../support/module-log-hook.js";
import { daprClient, unaryCall } from "../compat/raw-grpc-client.js";

const hook = path.join(repoRoot, "dist/test/support/module-log-hook.js");

/** Client libraries that only a component or backend of theirs may load. */
const heavyClients = ["ioredis", "pg", "amqplib", "mqtt", "@nats-io/transport-node", "@nats-io/jetstream", "@kubernetes/client-node", "undici"];

async function startLogged(resourcesPaths: string[] = []): Promise<{ sc: SidecarProcess; loaded: () => Promise<string[]> }> {
  if (!existsSync(hook)) throw new Error(`${hook} not found: run 'make build' first`);
  const log = path.join(mkdtempSync(path.join(os.tmpdir(), "dapr-ts-modules-")), "modules.log");
  const sc = await startSidecar({
    appId: uniqueName("footprint"),
    resourcesPaths,
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${hook}`.trim(), DAPR_TS_MODULE_LOG: log },
  });
  let snapshots = 0;
  /** Every package loaded so far (ES modules as they load, CommonJS ones from a snapshot). */
  const loaded = async () => {
    sc.proc.kill("SIGUSR2");
    snapshots++;
    const deadline = Date.now() + 10_000;
    while (!(existsSync(log) && readFileSync(log, "utf8").includes(`snapshot ${snapshots}\n`))) {
      if (Date.now() > deadline) throw new Error(`no module snapshot from the sidecar:\n${sc.logs()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return packagesIn(readFileSync(log, "utf8"));
  };
  return { sc, loaded };
}

describe("start-up footprint of the embedded default", () => {
  let sc: SidecarProcess;
  let loaded: () => Promise<string[]>;
  beforeAll(async () => {
    ({ sc, loaded } = await startLogged());
  });
  afterAll(async () => {
    await sc?.kill();
  });

  it("keeps the young generation small while idle (start-up does not grow it; cli/sidecar-heap.ts)", async () => {
    // prom-client reads V8's space sizes at scrape time. Start-up alone used to grow new
    // space to its maximum (two 8 MiB semi-spaces, 16 MiB); held, it starts at 2 MiB, and
    // loading the process metrics on this first scrape may grow it a step or two.
    const body = await (await fetch(`http://127.0.0.1:${sc.metricsPort}/metrics`)).text();
    const m = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(body);
    expect(m, "new-space size in /metrics").not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(8 * 2 ** 20);
  });

  it("loads no heavy client library it has no component for", async () => {
    const packages = await loaded();
    // The log saw the libraries the embedded default does use (express and grpc-js are inside the bundle).
    expect(packages).toContain("prom-client");
    // The embedded state store opens its SQLite file on the first state call (sqlite-metadata.ts: openOnFirstUse).
    expect(packages).not.toContain("better-sqlite3");
    expect(packages.filter((p) => heavyClients.includes(p))).toEqual([]);
    // Loaded on the first expression compiled (circuit-breaker trips, routing rules); there is none.
    expect(packages).not.toContain("@marcbachmann/cel-js");
  });

  it("loads SQLite on the first state call, and that call works", async () => {
    const base = `http://127.0.0.1:${sc.httpPort}/v1.0/state/statestore`;
    const saved = await fetch(base, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ key: "first", value: { n: 1 } }]) });
    expect(saved.status).toBe(204);
    expect(await (await fetch(`${base}/first`)).json()).toEqual({ n: 1 });
    expect(await loaded()).toContain("better-sqlite3");
  });

  it("builds the protobuf reflection on the first gRPC message, and that call works", async () => {
    expect(await loaded()).not.toContain("protobufjs");
    const client = daprClient(sc.grpcPort);
    try {
      const out = await unaryCall(client, "GetMetadata", {});
      expect(out.code).toBe(0);
      expect(out.response.id).toBe(sc.appId);
    } finally {
      client.close();
    }
    expect(await loaded()).toContain("protobufjs");
  });
});

describe("start-up footprint with a Redis component", () => {
  it("loads ioredis once a component needs it, and validates its file without ajv (the build compiled the validators)", async () => {
    const { sc, loaded } = await startLogged([redisComponentDir("statestore", "state.redis")]);
    try {
      const packages = await loaded();
      expect(packages).toContain("ioredis");
      // The file was validated by the validators the build compiled (tools/crd-artifacts.ts): ajv never loads.
      expect(packages).toContain("ajv-formats");
      expect(packages).not.toContain("ajv");
    } finally {
      await sc.kill();
    }
  });
});
