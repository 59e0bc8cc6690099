// Runs the real kubectl against a KubeApi double, with its own discovery
// cache directory: kubectl caches discovery per host:port for hours, and a
// port reused by a later test must not see a stale cache.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { KubeApi } from "./server.js";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

const cacheDirs = new WeakMap<KubeApi, string>();

export function kubectl(api: KubeApi, args: string[], input?: string): Promise<KubectlResult> {
  let cacheDir = cacheDirs.get(api);
  if (!cacheDir) cacheDirs.set(api, (cacheDir = mkdtempSync(path.join(os.tmpdir(), "kubectl-cache-"))));
  return new Promise((resolve) => {
    const child = execFile(
      "kubectl",
      ["--kubeconfig", api.kubeconfigPath, "--cache-dir", cacheDir, ...args],
      { env: { ...process.env, KUBECONFIG: api.kubeconfigPath }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === "number" ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
