// The sidecar's runtime surface, over the wire: metadata (HTTP and gRPC),
// health on the API and public ports, shutdown (HTTP and RPC), API token
// enforcement, /metrics, SIGTERM draining, and the daprd-style flags.
import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, startSidecar, waitExit, type SidecarProcess } from "../support/sidecar-process.js";
import { startOwnedRedis, uniqueName, type OwnedRedis } from "../support/services.js";
import { daprClient, unaryCall } from "../compat/raw-grpc-client.js";

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr!.on("data", (d) => (stderr += d));
    const t = setTimeout(() => p.kill("SIGKILL"), 15_000);
    p.once("exit", (code) => { clearTimeout(t); resolve({ code, stderr }); });
  });
}

function resourcesDir(yaml: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-surface-"));
  writeFileSync(path.join(dir, "components.yaml"), yaml);
  return dir;
}

const inMemoryStore = (name: string) => `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: state.in-memory
  version: v1
  metadata: []
`;

describe("metadata, health and metrics on a running sidecar", () => {
  let sidecar: SidecarProcess;
  beforeAll(async () => {
    sidecar = await startSidecar({ appId: uniqueName("surface") });
  });
  afterAll(async () => {
    await sidecar?.kill();
  });

  it("GET /v1.0/metadata describes the sidecar and its components with capabilities", async () => {
    const res = await sidecar.http("/v1.0/metadata");
    expect(res.status).toBe(200);
    const md = (await res.json()) as any;
    expect(md.id).toBe(sidecar.appId);
    expect(typeof md.runtimeVersion).toBe("string");
    expect(md.runtimeVersion.length).toBeGreaterThan(0);
    const store = md.components.find((c: any) => c.name === "statestore");
    expect(store).toMatchObject({ type: "state.sqlite", version: "v1" });
    expect(store.capabilities).toEqual(expect.arrayContaining(["ETAG", "TRANSACTIONAL"]));
    expect(typeof md.extended).toBe("object");
  });

  it("PUT /v1.0/metadata/{key} stores an attribute shown under extended", async () => {
    const put = await sidecar.http("/v1.0/metadata/team", { method: "PUT", body: "payments" });
    expect(put.status).toBe(204);
    const md = (await (await sidecar.http("/v1.0/metadata")).json()) as any;
    expect(md.extended.team).toBe("payments");
  });

  it("gRPC GetMetadata and SetMetadata agree with HTTP", async () => {
    const client = daprClient(sidecar.grpcPort);
    try {
      const set = await unaryCall(client, "SetMetadata", { key: "region", value: "eu-west" });
      expect(set.code).toBe(grpc.status.OK);
      const got = await unaryCall(client, "GetMetadata", {});
      expect(got.code).toBe(grpc.status.OK);
      expect(got.response.id).toBe(sidecar.appId);
      expect(got.response.extended_metadata.region).toBe("eu-west");
      const names = got.response.registered_components.map((c: any) => c.name);
      expect(names).toContain("statestore");
      const viaHttp = (await (await sidecar.http("/v1.0/metadata")).json()) as any;
      expect(viaHttp.extended.region).toBe("eu-west");
    } finally {
      client.close();
    }
  });

  it("answers healthz and healthz/outbound with 204 on the API and public ports", async () => {
    for (const port of [sidecar.httpPort, sidecar.publicPort]) {
      for (const p of ["/v1.0/healthz", "/v1.0/healthz/outbound"]) {
        const res = await fetch(`http://127.0.0.1:${port}${p}`);
        expect(`${port}${p} ${res.status}`).toBe(`${port}${p} 204`);
      }
    }
    const wrongApp = await sidecar.http("/v1.0/healthz?appid=someone-else");
    expect(wrongApp.status).toBe(500);
    expect(((await wrongApp.json()) as any).errorCode).toBe("ERR_HEALTH_APPID_NOT_MATCH");
    // The first value counts, as Go's Query().Get reads it.
    expect((await sidecar.http(`/v1.0/healthz?appid=${sidecar.appId}&appid=someone-else`)).status).toBe(204);
    expect((await sidecar.http(`/v1.0/healthz?appid=someone-else&appid=${sidecar.appId}`)).status).toBe(500);
  });

  it("serves Dapr's HTTP, gRPC and state metrics on the metrics port", async () => {
    await sidecar.http("/v1.0/state/statestore", { method: "POST", body: JSON.stringify([{ key: "m", value: 1 }]) });
    await sidecar.http("/v1.0/state/statestore/m");
    const client = daprClient(sidecar.grpcPort);
    try {
      expect((await unaryCall(client, "GetState", { store_name: "statestore", key: "m" })).code).toBe(grpc.status.OK);
    } finally {
      client.close();
    }
    const res = await fetch(`http://127.0.0.1:${sidecar.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^dapr_http_server_request_count\{[^}]*app_id="[^"]+"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^dapr_component_state_count\{[^}]*component="statestore"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^dapr_grpc_io_server_completed_rpcs\{[^}]*grpc_server_method="\/dapr\.proto\.runtime\.v1\.Dapr\/GetState"[^}]*grpc_server_status="OK"[^}]*\} [1-9]/m);
  });
});

describe("a Configuration with metrics.enabled: false", () => {
  it("serves no Dapr metrics after API calls, and still the process's", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-nometrics-"));
    const config = path.join(dir, "config.yaml");
    writeFileSync(config, "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: nometrics\nspec:\n  metrics:\n    enabled: false\n");
    const sidecar = await startSidecar({ appId: uniqueName("nometrics"), args: ["--config", config] });
    try {
      expect((await sidecar.http("/v1.0/state/statestore", { method: "POST", body: JSON.stringify([{ key: "m", value: 1 }]) })).status).toBe(204);
      expect((await sidecar.http("/v1.0/state/statestore/m")).status).toBe(200);
      const client = daprClient(sidecar.grpcPort);
      try {
        expect((await unaryCall(client, "GetState", { store_name: "statestore", key: "m" })).code).toBe(grpc.status.OK);
      } finally {
        client.close();
      }
      const text = await (await fetch(`http://127.0.0.1:${sidecar.metricsPort}/metrics`)).text();
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(text).not.toMatch(/^dapr_/m);
    } finally {
      await sidecar.kill();
    }
  });
});

describe("shutdown", () => {
  it("POST /v1.0/shutdown answers 204 and the process exits 0", async () => {
    const sidecar = await startSidecar({ appId: uniqueName("shut-http") });
    try {
      const res = await sidecar.http("/v1.0/shutdown", { method: "POST" });
      expect(res.status).toBe(204);
      expect(await waitExit(sidecar)).toBe(0);
    } finally {
      await sidecar.kill();
    }
  });

  it("the Shutdown RPC answers OK and the process exits 0", async () => {
    const sidecar = await startSidecar({ appId: uniqueName("shut-grpc") });
    const client = daprClient(sidecar.grpcPort);
    try {
      expect((await unaryCall(client, "Shutdown", {})).code).toBe(grpc.status.OK);
      expect(await waitExit(sidecar)).toBe(0);
    } finally {
      client.close();
      await sidecar.kill();
    }
  });
});

describe("API token (DAPR_API_TOKEN)", () => {
  const token = "s3cret-token";
  let sidecar: SidecarProcess;
  beforeAll(async () => {
    sidecar = await startSidecar({ appId: uniqueName("token"), env: { DAPR_API_TOKEN: token } });
  });
  afterAll(async () => {
    await sidecar?.kill();
  });

  it("rejects HTTP calls without the right token with 401 'invalid api token'", async () => {
    for (const headers of [{}, { "dapr-api-token": "wrong" }] as Record<string, string>[]) {
      const res = await sidecar.http("/v1.0/metadata", { headers });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe("invalid api token\n");
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    }
    const post = await sidecar.http("/v1.0/state/statestore", { method: "POST", body: JSON.stringify([{ key: "t", value: 1 }]) });
    expect(post.status).toBe(401);
    // Nothing was written by the rejected call.
    const get = await sidecar.http("/v1.0/state/statestore/t", { headers: { "dapr-api-token": token } });
    expect(get.status).toBe(204);
  });

  it("accepts HTTP calls with the token", async () => {
    const res = await sidecar.http("/v1.0/metadata", { headers: { "dapr-api-token": token } });
    expect(res.status).toBe(200);
  });

  it("exempts GET healthz and healthz/outbound", async () => {
    expect((await sidecar.http("/v1.0/healthz")).status).toBe(204);
    expect((await sidecar.http("/v1.0/healthz/outbound")).status).toBe(204);
    expect((await fetch(`http://127.0.0.1:${sidecar.publicPort}/v1.0/healthz`)).status).toBe(204);
  });

  it("rejects gRPC calls without the token with UNAUTHENTICATED and accepts them with it", async () => {
    const client = daprClient(sidecar.grpcPort);
    try {
      const denied = await unaryCall(client, "GetMetadata", {});
      expect(grpc.status[denied.code]).toBe("UNAUTHENTICATED");
      const wrong = new grpc.Metadata();
      wrong.set("dapr-api-token", "wrong");
      expect(grpc.status[(await unaryCall(client, "GetMetadata", {}, wrong)).code]).toBe("UNAUTHENTICATED");
      const right = new grpc.Metadata();
      right.set("dapr-api-token", token);
      const ok = await unaryCall(client, "GetMetadata", {}, right);
      expect(ok.code).toBe(grpc.status.OK);
      expect(ok.response.id).toBe(sidecar.appId);
    } finally {
      client.close();
    }
  });
});

describe("SIGTERM", () => {
  let redis: OwnedRedis;
  beforeAll(async () => {
    redis = await startOwnedRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("drains an in-flight request, then exits 0", async () => {
    const dir = resourcesDir(`apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: slowstore
spec:
  type: state.redis
  version: v1
  metadata:
    - name: redisHost
      value: 127.0.0.1:${redis.port}
`);
    // A grace period well above the ~1.5 s the request is held, so only draining can explain a 200.
    const sidecar = await startSidecar({ appId: uniqueName("drain"), resourcesPaths: [dir], args: ["--dapr-graceful-shutdown-seconds", "4"] });
    const admin = new Redis({ port: redis.port, host: "127.0.0.1" });
    try {
      const saved = await sidecar.http("/v1.0/state/slowstore", { method: "POST", body: JSON.stringify([{ key: "k", value: "drained" }]) });
      expect(saved.status).toBe(204);
      // Redis holds every client's commands for a while: the GET below stays in flight.
      await admin.call("CLIENT", "PAUSE", "1500", "ALL");
      const events: string[] = [];
      const inFlight = sidecar.http("/v1.0/state/slowstore/k").then(async (r) => {
        events.push(`response ${r.status} ${await r.text()}`);
      });
      const exited = new Promise<number | null>((resolve) => sidecar.proc.once("exit", (code) => {
        events.push("exit");
        resolve(code);
      }));
      await new Promise((r) => setTimeout(r, 300));
      sidecar.proc.kill("SIGTERM");
      const code = await exited;
      await inFlight;
      expect(code).toBe(0);
      expect(events).toEqual(['response 200 "drained"', "exit"]);
    } finally {
      admin.disconnect();
      await sidecar.kill();
    }
  });
});

describe("flags", () => {
  it("accepts --components-path as an alias of --resources-path, and Go-style single-dash flags (-app-id)", async () => {
    const dir = resourcesDir(inMemoryStore("aliased"));
    // The later -app-id wins over the --app-id the helper passes first.
    const sidecar = await startSidecar({ args: ["--components-path", dir, "-app-id", "single-dash-app"] });
    try {
      const md = (await (await sidecar.http("/v1.0/metadata")).json()) as any;
      expect(md.components.map((c: any) => c.name)).toContain("aliased");
      expect(md.id).toBe("single-dash-app");
    } finally {
      await sidecar.kill();
    }
  });

  // Each case is a whole process start, so only a few here; flags.test.ts covers every value check.
  const bad: { args: string[]; message: RegExp }[] = [
    { args: ["--dapr-http-port", "not-a-port"], message: /--dapr-http-port: invalid port 'not-a-port'/ },
    { args: ["--max-body-size", "4Qb"], message: /invalid size '4Qb'/ },
    { args: ["--dapr-graceful-shutdown-seconds", "soon"], message: /--dapr-graceful-shutdown-seconds: invalid integer 'soon'/ },
    { args: ["--no-such-flag", "x"], message: /no-such-flag/ },
  ];
  describe("bad values", () => {
    for (const b of bad) {
      it(`exits 2 with a clear message for ${b.args.join(" ")}`, async () => {
        const r = await runCli(["sidecar", "--app-id", "badflags", ...b.args]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(b.message);
      });
    }
  });
});
