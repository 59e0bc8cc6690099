// Runs the real kubectl against a KubeApi double, with its own discovery
// cache directory: kubectl caches discovery per host:port for hours, and a
// port reused by a later test must not see a stale cache. The cache lives in
// the double's temporary directory, so stop() removes it.
import { execFile } from "node:child_process";
import path from "node:path";
import type { KubeApi } from "./server.js";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `kubectl <args>` against `api`; `input` goes to stdin (for `apply -f -`). Never rejects: check `code`. */
export function kubectl(api: KubeApi, args: string[], input?: string, timeoutMs = 20_000): Promise<KubectlResult> {
  const cacheDir = path.join(path.dirname(api.kubeconfigPath), "kubectl-cache");
  return new Promise((resolve) => {
    const child = execFile(
      "kubectl",
      ["--kubeconfig", api.kubeconfigPath, "--cache-dir", cacheDir, ...args],
      { env: { ...process.env, KUBECONFIG: api.kubeconfigPath }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = !err ? 0 : typeof (err as NodeJS.ErrnoException).code === "number" ? Number((err as NodeJS.ErrnoException).code) : 1;
        resolve({ code, stdout, stderr: err && !stderr ? String(err.message) : stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
