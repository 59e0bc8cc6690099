// `dapr-ts workflow history ID --app-id APP [--resources-path DIR]... [--namespace NS] [-v] [-o json]`:
// prints a workflow's history as a readable timeline. It reads the actor state
// store directly (the same components the sidecar loads), so it also works
// while the sidecar is down, e.g. to see where a crashed workflow stopped.
import { Logger } from "../sidecar/log/logger.js";
import { ComponentHub } from "../sidecar/components/hub.js";
import { boolProp } from "../sidecar/components/component.js";
import { defaultCategoryAdapters } from "../sidecar/components/categories.js";
import { initComponents } from "../sidecar/components/initializer.js";
import { loadResourcesFromPaths } from "../sidecar/resources/file-loader.js";
import { embeddedDefaultComponents } from "../sidecar/resources/embedded-defaults.js";
import { WorkflowStore } from "../sidecar/building-blocks/workflow/workflow-store.js";
import { formatTimeline } from "../sidecar/building-blocks/workflow/history-timeline.js";

const usage = `usage: dapr-ts workflow history <instance-id> --app-id <app> [--resources-path <dir>]... [--namespace <ns>] [-v] [-o json]
`;

interface Args {
  sub?: string;
  instanceId?: string;
  appId?: string;
  namespace: string;
  resourcesPaths: string[];
  verbose: boolean;
  json: boolean;
}

export function parseArgs(argv: string[]): Args | string {
  const a: Args = { namespace: process.env.NAMESPACE ?? "default", resourcesPaths: [], verbose: false, json: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    try {
      if (k === "--app-id" || k === "-a") a.appId = value();
      else if (k === "--namespace") a.namespace = value();
      else if (k === "--resources-path" || k === "--components-path" || k === "-d") a.resourcesPaths.push(value());
      else if (k === "-v" || k === "--verbose") a.verbose = true;
      else if (k === "-o" || k === "--output") a.json = value() === "json";
      else if (k.startsWith("-")) return `unknown flag ${k}`;
      else positional.push(k);
    } catch (err) {
      return (err as Error).message;
    }
  }
  [a.sub, a.instanceId] = positional;
  if (a.sub !== "history") return a.sub ? `unknown workflow command '${a.sub}'` : "missing workflow command";
  if (!a.instanceId) return "missing the workflow instance id";
  if (!a.appId) return "--app-id is required (workflow state is kept per app)";
  return a;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`dapr-ts workflow: ${args}\n${usage}`);
    return 2;
  }
  const logger = new Logger({ level: "error", json: false, scope: "dapr-ts.workflow", appId: args.appId! });
  const resources = loadResourcesFromPaths(args.resourcesPaths);
  if (args.resourcesPaths.length === 0) resources.components.push(...embeddedDefaultComponents(process.env));
  // Only what reading the store needs: the actor state store, and secret stores its metadata may reference.
  const actorStores = resources.components.filter((c) => c.resource.spec.type.startsWith("secretstores.")
    || (c.resource.spec.type.startsWith("state.") && (c.resource.spec.metadata ?? []).some((m) => m.name === "actorStateStore" && String(m.value) === "true")));
  const hub = new ComponentHub();
  try {
    await initComponents(actorStores, { appId: args.appId!, namespace: args.namespace, env: process.env, logger, adapters: defaultCategoryAdapters(), hub });
    const component = hub.list("state").find((c) => boolProp(c.properties, "actorStateStore", false));
    if (!component) {
      process.stderr.write("dapr-ts workflow: no state store marked actorStateStore: \"true\" in the resources\n");
      return 1;
    }
    const store = new WorkflowStore(component.instance, args.appId!, args.namespace, component.name);
    const state = await store.load(args.instanceId!);
    if (!state) {
      process.stderr.write(`dapr-ts workflow: no workflow instance '${args.instanceId}' for app ${args.appId} in ${component.name}\n`);
      return 1;
    }
    process.stdout.write((args.json ? JSON.stringify(state, null, 2) : formatTimeline(state, { verbose: args.verbose })) + "\n");
    return 0;
  } finally {
    await hub.closeAll();
  }
}
