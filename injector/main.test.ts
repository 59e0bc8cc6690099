import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { main } from "./main.js";
import { createCa, issueServingCert, type KeyPairPem } from "./certs/generate.js";
import { freePort, waitForPort } from "../test/support/services.js";

let dir: string;
let ca: KeyPairPem;
let certFile: string;
let keyFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-injector-"));
  ca = createCa();
  const tls = issueServingCert(ca, ["localhost"]);
  certFile = path.join(dir, "tls.crt");
  keyFile = path.join(dir, "tls.key");
  writeFileSync(certFile, tls.certPem);
  writeFileSync(keyFile, tls.keyPem);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function get(port: number, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get({ host: "127.0.0.1", port, path: p, servername: "localhost", ca: ca.certPem, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    }).on("error", reject);
  });
}

describe("injector main", () => {
  it("exits 1 with a message on bad flags", async () => {
    expect(await main(["--port", "nope"], { env: {} })).toBe(1);
    expect(await main(["--bogus"], { env: {} })).toBe(1);
  });

  it("serves with given certificate files and stops cleanly on abort", async () => {
    const ac = new AbortController();
    let port = 0;
    const ready = new Promise<void>((resolve) => {
      void main(["--port", "0", "--healthz-port", "0", "--metrics-port", "0", "--tls-cert-file", certFile, "--tls-key-file", keyFile, "--log-level", "error"], {
        env: {}, signal: ac.signal, onReady: (s) => { port = s.port; resolve(); },
      }).then((code) => { exit = code; });
    });
    let exit: number | undefined;
    await ready;
    expect(await get(port, "/healthz")).toBe(200);
    ac.abort();
    await expect.poll(() => exit, { timeout: 5000 }).toBe(0);
    await expect(get(port, "/healthz")).rejects.toThrow();
  });

  it("exits 1 when the Kubernetes API cannot be reached for its CA", async () => {
    const port = await freePort(); // nothing listens there
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`);
    expect(await main(["--port", "0", "--healthz-port", "0", "--metrics-port", "0", "--kubeconfig", kubeconfig, "--log-level", "fatal"], { env: {} })).toBe(1);
  });

  it("exits 0 on SIGTERM as a real process", async () => {
    const port = await freePort();
    const script = `import { main } from ${JSON.stringify(path.resolve("injector/main.ts"))};
process.exit(await main(["--port", "${port}", "--healthz-port", "0", "--metrics-port", "0", "--tls-cert-file", ${JSON.stringify(certFile)}, "--tls-key-file", ${JSON.stringify(keyFile)}, "--log-level", "error"]));`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: "ignore" });
    try {
      await waitForPort(port, "127.0.0.1", 15_000);
      const code = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
      child.kill("SIGTERM");
      expect(await code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
