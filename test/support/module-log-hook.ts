// Records which modules a process loads, for tests that check what the sidecar
// pays for at start-up. Preload it with `node --import <compiled file>` (e.g. in
// NODE_OPTIONS) and set DAPR_TS_MODULE_LOG to a file:
//  - every module of the ES module graph is appended as it loads (a module
//    loader hook, running on the hooks thread), including CommonJS packages
//    imported from ESM (that is how dapr-ts imports every client library);
//  - on SIGUSR2 the main thread appends every CommonJS module in require.cache
//    (those `require`d synchronously, which the hook does not see), then a line
//    `snapshot <n>` so the reader knows the list is complete.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { isMainThread } from "node:worker_threads";

let logFile = process.env.DAPR_TS_MODULE_LOG ?? "";

if (isMainThread && logFile) {
  register(import.meta.url, { data: { logFile } });
  const require = createRequire(import.meta.url);
  let snapshots = 0;
  process.on("SIGUSR2", () => {
    const cjs = Object.keys(require.cache).map((f) => `file://${f}\n`).join("");
    appendFileSync(logFile, `${cjs}snapshot ${++snapshots}\n`);
  });
}

/** Hooks thread: receives the log file from register(). */
export async function initialize(data: { logFile: string }): Promise<void> {
  logFile = data.logFile;
}

type NextLoad = (url: string, context: unknown) => Promise<unknown>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<unknown> {
  const result = await nextLoad(url, context);
  appendFileSync(logFile, `${url}\n`);
  return result;
}

/** The npm packages named in a module log (`@scope/name` or `name`), in first-seen order. */
export function packagesIn(log: string): string[] {
  const seen = new Set<string>();
  for (const m of log.matchAll(/node_modules\/((?:@[^/\n]+\/)?[^/\n]+)\//g)) seen.add(m[1]!);
  return [...seen];
}
