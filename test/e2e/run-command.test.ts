// `dapr-ts run` and `dapr-ts list`: the app gets Dapr's env vars and reaches
// its sidecar; logs are prefixed; the run ends when the app ends; SIGTERM
// stops both; a run file starts several apps.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliPath } from "../support/sidecar-process.js";
import { freePort } from "../support/services.js";

function run(args: string[], env: Record<string, string>, opts: { killAfterMs?: number } = {}) {
  const proc = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  if (opts.killAfterMs) setTimeout(() => proc.kill("SIGTERM"), opts.killAfterMs);
  return new Promise<{ code: number | null; out: string }>((resolve) => proc.on("exit", (code) => resolve({ code, out })));
}

// An app that saves and reads state through its sidecar, then exits.
const appScript = `
const port = process.env.DAPR_HTTP_PORT;
console.log("env", process.env.APP_ID, process.env.APP_PORT ?? "-", port, process.env.DAPR_GRPC_PORT);
async function main() {
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch("http://127.0.0.1:" + port + "/v1.0/healthz/outbound"); if (r.status === 204) break; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  await fetch("http://127.0.0.1:" + port + "/v1.0/state/statestore", { method: "POST", body: JSON.stringify([{ key: "k", value: "hello" }]) });
  const v = await (await fetch("http://127.0.0.1:" + port + "/v1.0/state/statestore/k")).json();
  console.log("read", v);
}
main();
`;

describe("dapr-ts run", () => {
  it("runs the app beside a sidecar, prefixes logs and ends with the app", async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-run-"));
    const r = await run(["run", "--app-id", "runner", "--", process.execPath, "-e", appScript], { DAPR_TS_HOME: home });
    expect(r.out).toMatch(/== APP \(runner\) == env runner - \d+ \d+/);
    expect(r.out).toMatch(/== APP \(runner\) == read hello/);
    expect(r.out).toMatch(/== DAPR \(runner\) == .*dapr-ts sidecar started/);
    expect(r.code).toBe(0);
  });

  it("stops app and sidecar on SIGTERM, and lists running sidecars", async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-run-"));
    const appPort = await freePort();
    const server = `require("http").createServer((q, s) => s.end("ok")).listen(${appPort}); console.log("listening");`;
    const proc = spawn(process.execPath, [cliPath, "run", "--app-id", "long-runner", "--app-port", String(appPort), "--", process.execPath, "-e", server], {
      env: { ...process.env, DAPR_TS_HOME: home }, stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.on("exit", resolve));
    let listed = "";
    for (let i = 0; i < 100 && !/long-runner\s+\d+\s+\d+\s+\d+/.test(listed); i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed = (await run(["list"], { DAPR_TS_HOME: home })).out;
    }
    expect(listed).toMatch(/long-runner\s+\d+\s+\d+\s+\d+/);
    proc.kill("SIGTERM");
    const r = { code: await exited, out };
    expect(r.out).toMatch(/shutdown complete/);
    expect([0, 143]).toContain(r.code);
  });

  it("starts several apps from a run file", async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-run-"));
    const file = path.join(home, "dapr.yaml");
    const quick = (id: string) => `["${process.execPath}", "-e", "console.log('hi from ${id}')"]`;
    writeFileSync(file, `version: 1\napps:\n  - appID: one\n    command: ${quick("one")}\n  - appID: two\n    command: ${quick("two")}\n`);
    const proc = spawn(process.execPath, [cliPath, "run", "-f", file], { env: { ...process.env, DAPR_TS_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.on("exit", resolve));
    const deadline = Date.now() + 30_000;
    while (!(/hi from one/.test(out) && /hi from two/.test(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    proc.kill("SIGTERM");
    await exited;
    expect(out).toMatch(/== APP \(one\) == hi from one/);
    expect(out).toMatch(/== APP \(two\) == hi from two/);
  });

  it("rejects a run without --app-id", async () => {
    const r = await run(["run", "--", "true"], {});
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/--app-id is required/);
  });
});
