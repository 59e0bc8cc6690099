// Resource folders for tests and benchmarks: one Component backed by the
// test Redis, written to a fresh temporary folder to pass as --resources-path.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { services } from "./services.js";

/** A folder holding one Redis-backed Component `name` of `type`, plus any extra metadata. */
export function redisComponentDir(name: string, type: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `dapr-ts-${name}-`));
  const metadata = Object.entries({ redisHost: `${services.redis.host}:${services.redis.port}`, ...extra })
    .map(([k, v]) => `    - name: ${k}\n      value: "${v}"`)
    .join("\n");
  writeFileSync(path.join(dir, `${name}.yaml`), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: ${type}
  version: v1
  metadata:
${metadata}
`);
  return dir;
}
