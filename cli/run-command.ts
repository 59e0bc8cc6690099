// `dapr-ts run`: a sidecar and its app together, as `dapr run` does. The app
// gets DAPR_HTTP_PORT, DAPR_GRPC_PORT, APP_ID and APP_PORT; both logs are
// prefixed; signals reach both; when the app exits the sidecar is stopped.
// `dapr-ts run -f dapr.yaml` starts several apps from one run file.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { startRunGroup, type AppSpec } from "./run-group.js";

const usage = `usage: dapr-ts run --app-id ID [--app-port PORT] [--resources-path DIR] [sidecar flags] -- COMMAND [ARGS...]
       dapr-ts run -f dapr.yaml`;

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "-f" || argv[0] === "--run-file") {
    if (!argv[1]) return fail("-f needs a run file");
    let specs: AppSpec[];
    try {
      specs = parseRunFile(argv[1]);
    } catch (err) {
      return fail((err as Error).message);
    }
    return startRunGroup(specs);
  }
  const dash = argv.indexOf("--");
  const flags = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const appId = flagValue(flags, "app-id");
  if (!appId) return fail("--app-id is required");
  return startRunGroup([{ appId, sidecarFlags: flags, command, cwd: process.cwd(), env: {} }]);
}

function fail(msg: string): number {
  process.stderr.write(`dapr-ts run: ${msg}\n${usage}\n`);
  return 2;
}

export function flagValue(flags: string[], name: string): string | undefined {
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    if (f === `--${name}` || f === `-${name}`) return flags[i + 1];
    if (f.startsWith(`--${name}=`)) return f.slice(name.length + 3);
  }
  return undefined;
}

/**
 * The Dapr CLI's multi-app run file (version 1): `common` settings and `apps`,
 * each with appID, appDirPath, appPort, command, resourcesPath, env, ...
 */
export function parseRunFile(file: string): AppSpec[] {
  const doc = parseYaml(readFileSync(file, "utf8")) as {
    common?: Record<string, unknown>;
    apps?: Record<string, unknown>[];
  };
  if (!doc || !Array.isArray(doc.apps) || doc.apps.length === 0) throw new Error(`${file}: no apps listed`);
  const base = path.dirname(path.resolve(file));
  const common = doc.common ?? {};
  return doc.apps.map((raw, i) => {
    const a = { ...common, ...raw } as Record<string, unknown>;
    const appId = a["appID"] ?? a["appId"];
    if (typeof appId !== "string" || !appId) throw new Error(`${file}: apps[${i}] has no appID`);
    const command = a["command"];
    if (command !== undefined && !(Array.isArray(command) && command.every((c) => typeof c === "string"))) {
      throw new Error(`${file}: apps[${i}] (${appId}) command must be a list of strings`);
    }
    const flags: string[] = ["--app-id", appId];
    const add = (flag: string, key: string, resolvePath = false) => {
      const v = a[key];
      if (v === undefined || v === null || v === "") return;
      flags.push(`--${flag}`, resolvePath ? path.resolve(base, String(v)) : String(v));
    };
    add("app-port", "appPort");
    add("app-protocol", "appProtocol");
    add("dapr-http-port", "daprHTTPPort");
    add("dapr-grpc-port", "daprGRPCPort");
    add("metrics-port", "metricsPort");
    add("resources-path", "resourcesPath", true);
    add("config", "configFilePath", true);
    add("log-level", "logLevel");
    add("app-max-concurrency", "appMaxConcurrency");
    const env = (a["env"] ?? {}) as Record<string, string>;
    return {
      appId,
      sidecarFlags: flags,
      command: (command as string[] | undefined) ?? [],
      cwd: path.resolve(base, String(a["appDirPath"] ?? ".")),
      env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    };
  });
}
