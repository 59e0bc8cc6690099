// Bindings end to end. Output bindings through the official SDK over HTTP and
// gRPC (bindings.redis, bindings.http with response metadata as headers);
// input bindings delivered to a plain HTTP app (OPTIONS probe incl. 405,
// `route` metadata, metadata as headers, a refused event redelivered, the
// reply's state saved and `to` bindings called), to SDK DaprServer apps over
// HTTP and gRPC, and a cron binding's timing; bad input answers Dapr's codes.
import { CommunicationProtocolEnum, DaprClient, DaprServer } from "@dapr/dapr";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, services, uniqueName } from "../support/services.js";

const quiet = { level: 0 as never };

async function until<T>(fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

function component(name: string, type: string, metadata: Record<string, string>): string {
  const items = Object.entries(metadata).map(([k, v]) => `    - name: ${k}\n      value: ${JSON.stringify(v)}`).join("\n");
  return `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: ${type}\n  version: v1\n  metadata:\n${items}\n`;
}

function writeResources(docs: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-bindings-"));
  docs.forEach((d, i) => writeFileSync(path.join(dir, `c${i}.yaml`), d));
  return dir;
}

/** A stand-in for an outside HTTP system: records requests, answers with a custom header. */
async function startEchoServer() {
  const requests: { method: string; url: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ method: req.method!, url: req.url!, body });
      res.setHeader("x-echo", "yes");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ echoed: body }));
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { port, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("output bindings", () => {
  let sidecar: SidecarProcess;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const clients: Record<string, DaprClient> = {};

  beforeAll(async () => {
    echo = await startEchoServer();
    const dir = writeResources([
      component("redisout", "bindings.redis", { redisHost: `${services.redis.host}:${services.redis.port}` }),
      component("httpout", "bindings.http", { url: `http://127.0.0.1:${echo.port}/things` }),
      component("croninonly", "bindings.cron", { schedule: "@every 1h" }),
    ]);
    sidecar = await startSidecar({ appId: uniqueName("bindout"), resourcesPaths: [dir] });
    clients.HTTP = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), communicationProtocol: CommunicationProtocolEnum.HTTP, logger: quiet });
    clients.gRPC = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.grpcPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: quiet });
  }, 60_000);
  afterAll(async () => {
    await clients.gRPC?.stop().catch(() => {});
    await sidecar?.stop();
    await echo?.close();
  });

  for (const label of ["HTTP", "gRPC"]) {
    it(`runs redis create, get, increment and delete through the SDK over ${label}`, async () => {
      const c = clients[label]!;
      const key = uniqueName(`bk-${label}`);
      await c.binding.send("redisout", "create", { hello: label }, { key });
      const got = await c.binding.send("redisout", "get", undefined, { key });
      // HTTP answers the stored JSON (parsed by the SDK); gRPC answers the raw bytes.
      const parsed = label === "HTTP" ? got : JSON.parse(Buffer.from((got as { data: Uint8Array }).data).toString());
      expect(parsed).toEqual({ hello: label });
      const counter = uniqueName("ctr");
      await c.binding.send("redisout", "increment", undefined, { key: counter });
      await c.binding.send("redisout", "increment", undefined, { key: counter });
      const n = await c.binding.send("redisout", "get", undefined, { key: counter });
      expect(label === "HTTP" ? n : Buffer.from((n as { data: Uint8Array }).data).toString()).toEqual(label === "HTTP" ? 2 : "2");
      await c.binding.send("redisout", "delete", undefined, { key });
    });
  }

  it("answers 204 without data and passes response metadata as metadata.* headers", async () => {
    const del = await sidecar.http("/v1.0/bindings/redisout", { method: "POST", body: JSON.stringify({ operation: "delete", metadata: { key: uniqueName("none") } }) });
    expect(del.status).toBe(204);
    const r = await sidecar.http("/v1.0/bindings/httpout", { method: "POST", body: JSON.stringify({ operation: "post", data: "plain text", metadata: { path: "/sub" } }) });
    expect(r.status).toBe(200);
    expect(r.headers.get("metadata.statuscode")).toBe("200");
    expect(await r.json()).toEqual({ echoed: "plain text" });
    // A string `data` is sent as its text, not as a JSON string.
    expect(echo.requests.at(-1)).toMatchObject({ method: "POST", url: "/things/sub", body: "plain text" });
  });

  it("answers Dapr's codes for bad input", async () => {
    const call = async (name: string, body: string) => {
      const r = await sidecar.http(`/v1.0/bindings/${name}`, { method: "POST", body });
      return { status: r.status, body: (await r.json()) as { errorCode: string; message: string } };
    };
    const unknown = await call("nobinding", JSON.stringify({ operation: "create" }));
    expect(unknown).toMatchObject({ status: 500, body: { errorCode: "ERR_INVOKE_OUTPUT_BINDING" } });
    const badOp = await call("redisout", JSON.stringify({ operation: "explode", metadata: { key: "k" } }));
    expect(badOp.status).toBe(500);
    expect(badOp.body.errorCode).toBe("ERR_INVOKE_OUTPUT_BINDING");
    expect(badOp.body.message).toContain("explode");
    const noOp = await call("redisout", JSON.stringify({ metadata: { key: "k" } }));
    expect(noOp).toMatchObject({ status: 500, body: { errorCode: "ERR_INVOKE_OUTPUT_BINDING" } });
    expect(noOp.body.message).toContain("operation field is missing");
    // An input-only binding is no output binding.
    expect((await call("croninonly", JSON.stringify({ operation: "create" }))).status).toBe(500);
    expect(await call("redisout", "{oops")).toMatchObject({ status: 400, body: { errorCode: "ERR_MALFORMED_REQUEST" } });
    expect(await call("redisout", JSON.stringify({ operation: "get", metadata: { key: 5 } }))).toMatchObject({ status: 400, body: { errorCode: "ERR_MALFORMED_REQUEST" } });
    await expect(clients.gRPC!.binding.send("nobinding", "create", "x")).rejects.toThrow(/error invoking output binding nobinding/);
    // Still serving.
    const ok = await sidecar.http("/v1.0/bindings/redisout", { method: "POST", body: JSON.stringify({ operation: "delete", metadata: { key: "x" } }) });
    expect(ok.status).toBe(204);
  });
});

describe("input bindings to a plain HTTP app", () => {
  let sidecar: SidecarProcess;
  let app: http.Server;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const queue = uniqueName("q");
  const stateKey = uniqueName("from-binding");
  const cronArrivals: { at: number; readTimeUTC: string }[] = [];
  const rabbitDeliveries: { body: string; headers: http.IncomingHttpHeaders }[] = [];
  const unwantedPosts: string[] = [];
  const mqttDeliveries: string[] = [];

  beforeAll(async () => {
    echo = await startEchoServer();
    const appPort = await freePort();
    app = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const url = req.url ?? "";
        if (req.method === "OPTIONS" && url === "/cron-route") return void res.writeHead(405).end();
        if (req.method === "OPTIONS" && (url === "/rabbitin" || url === "/mqttin")) return void res.writeHead(200).end();
        if (req.method === "POST" && url === "/mqttin") {
          mqttDeliveries.push(body);
          return void res.writeHead(200).end();
        }
        if (req.method === "POST" && url === "/cron-route") {
          cronArrivals.push({ at: Date.now(), readTimeUTC: String(req.headers["readtimeutc"]) });
          return void res.writeHead(200).end();
        }
        if (req.method === "POST" && url === "/rabbitin") {
          rabbitDeliveries.push({ body, headers: req.headers });
          // The first delivery is refused: the broker must redeliver it.
          if (rabbitDeliveries.length === 1) return void res.writeHead(500).end("not yet");
          res.writeHead(200, { "content-type": "application/json" });
          return void res.end(JSON.stringify({ storeName: "statestore", state: [{ key: stateKey, value: { seen: body } }], to: ["httpout"], data: { forwarded: true } }));
        }
        if (req.method === "POST" && url === "/unwanted") unwantedPosts.push(body);
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => app.listen(appPort, "127.0.0.1", r));
    const dir = writeResources([
      component("cronin", "bindings.cron", { schedule: "@every 1s", route: "/cron-route" }),
      component("unwanted", "bindings.cron", { schedule: "@every 1s" }),
      component("rabbitin", "bindings.rabbitmq", { host: services.rabbitmq.url, queueName: queue, durable: "false", deleteWhenUnused: "true", direction: "input, output" }),
      component("httpout", "bindings.http", { url: `http://127.0.0.1:${echo.port}/forwarded` }),
      component("mqttin", "bindings.mqtt3", { url: services.mqtt.url, topic: uniqueName("t"), consumerID: uniqueName("c") }),
      component("statestore", "state.redis", { redisHost: `${services.redis.host}:${services.redis.port}` }),
    ]);
    sidecar = await startSidecar({ appId: uniqueName("bindin"), resourcesPaths: [dir], args: ["--app-port", String(appPort)] });
  }, 60_000);
  afterAll(async () => {
    await sidecar?.stop();
    await new Promise<void>((r) => app.close(() => r()));
    await echo?.close();
  });

  it("fires a cron binding at @every 1s on schedule, to its route", async () => {
    await until(() => cronArrivals.length >= 5, 20_000);
    const readTimes = cronArrivals.map((a) => Date.parse(a.readTimeUTC.replace(" +0000 UTC", "Z").replace(" ", "T")));
    expect(readTimes.every(Number.isFinite)).toBe(true);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    // Firings 1 s apart (within 100 ms), each delivered within 100 ms of firing (medians: the machine is shared).
    const drift = readTimes.slice(1).map((t, i) => Math.abs(t - readTimes[i]! - 1000));
    expect(median(drift)).toBeLessThanOrEqual(100);
    expect(median(cronArrivals.map((a, i) => a.at - readTimes[i]!))).toBeLessThanOrEqual(100);
  }, 30_000);

  it("does not read a binding the app refuses in the OPTIONS probe", async () => {
    await until(() => cronArrivals.length >= 2, 20_000);
    expect(unwantedPosts).toEqual([]);
  }, 30_000);

  it("uses one mqtt3 instance in both directions: what is sent through it reaches the app", async () => {
    const r = await sidecar.http("/v1.0/bindings/mqttin", { method: "POST", body: JSON.stringify({ operation: "create", data: { via: "mqtt" } }) });
    expect(r.status).toBe(204);
    const got = await until(() => mqttDeliveries[0], 10_000);
    expect(JSON.parse(got)).toEqual({ via: "mqtt" });
    const meta = (await (await sidecar.http("/v1.0/metadata")).json()) as { components: { name: string; capabilities: string[] }[] };
    expect(meta.components.find((c) => c.name === "mqttin")?.capabilities).toEqual(["INPUT_BINDING", "OUTPUT_BINDING"]);
    expect(meta.components.find((c) => c.name === "cronin")?.capabilities).toEqual(["INPUT_BINDING"]);
  }, 20_000);

  it("redelivers a refused event, then applies the app's reply (state saved, `to` called)", async () => {
    const r = await sidecar.http("/v1.0/bindings/rabbitin", { method: "POST", body: JSON.stringify({ operation: "create", data: { order: 7 } }) });
    expect(r.status).toBe(204);
    await until(() => rabbitDeliveries.length >= 2, 20_000);
    expect(rabbitDeliveries[0]!.body).toBe(rabbitDeliveries[1]!.body);
    expect(JSON.parse(rabbitDeliveries[1]!.body)).toEqual({ order: 7 });
    const state = await until(() => echo.requests.find((q) => q.url === "/forwarded"), 10_000);
    expect(JSON.parse(state.body)).toEqual({ forwarded: true });
    const got = await sidecar.http(`/v1.0/state/statestore/${stateKey}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ seen: JSON.stringify({ order: 7 }) });
    const metrics = await (await fetch(`http://127.0.0.1:${sidecar.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/dapr_component_input_binding_count\{[^}]*component="rabbitin"[^}]*success="false"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/dapr_component_output_binding_count\{[^}]*component="rabbitin"[^}]*success="true"[^}]*\} [1-9]/);
  }, 30_000);
});

for (const appProtocol of [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC]) {
  const label = appProtocol === CommunicationProtocolEnum.HTTP ? "HTTP" : "gRPC";
  describe(`input bindings to an SDK DaprServer over ${label}`, () => {
    let sidecar: SidecarProcess;
    let server: DaprServer;
    const received: unknown[] = [];
    const queue = uniqueName("sdkq");

    beforeAll(async () => {
      const appPort = await freePort();
      const dir = writeResources([
        component("orders", "bindings.rabbitmq", { host: services.rabbitmq.url, queueName: queue, durable: "false", deleteWhenUnused: "true" }),
      ]);
      sidecar = await startSidecar({
        appId: uniqueName("bindsdk"), resourcesPaths: [dir], waitReady: false,
        args: ["--app-port", String(appPort), "--app-protocol", appProtocol === CommunicationProtocolEnum.HTTP ? "http" : "grpc"],
      });
      server = new DaprServer({
        serverHost: "127.0.0.1", serverPort: String(appPort), communicationProtocol: appProtocol, logger: quiet,
        clientOptions: { daprHost: "127.0.0.1", daprPort: String(appProtocol === CommunicationProtocolEnum.HTTP ? sidecar.httpPort : sidecar.grpcPort), communicationProtocol: appProtocol, logger: quiet },
      });
      await server.binding.receive("orders", async (data: unknown) => { received.push(data); });
      await server.start();
      await sidecar.ready();
    }, 60_000);
    afterAll(async () => {
      await sidecar?.stop();
      await server?.stop().catch(() => {});
    });

    it("delivers events the SDK client sends through the same binding", async () => {
      const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.grpcPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: quiet });
      // The sidecar reports ready once the app is reachable and input bindings read.
      await client.binding.send("orders", "create", { id: label });
      const got = await until(() => received.find((d) => (d as { id?: string })?.id === label), 20_000);
      expect(got).toEqual({ id: label });
      await client.stop().catch(() => {});
    }, 30_000);
  });
}
