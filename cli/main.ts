#!/usr/bin/env node
// The one CLI: `dapr-ts sidecar|run|operator|injector|...`. Each subcommand
// lives in its own module and is loaded only when used, to keep start-up fast.
const usage = `usage: dapr-ts <command> [flags]

commands:
  sidecar    run the sidecar (daprd-compatible flags)
  operator   run the Kubernetes operator (reconciles dapr.io resources, dapr Services)
  injector   run the sidecar injector (mutating admission webhook)
  run        run a sidecar and its app together (or several: run -f dapr.yaml)
  list       list the sidecars running on this machine
  workflow   workflow history ID --app-id APP: a workflow's history as a timeline
  version    print the version
`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  sidecar: async () => (await import("./sidecar-command.js")).main,
  operator: async () => (await import("../operator/main.js")).main,
  injector: async () => (await import("../injector/main.js")).main,
  run: async () => (await import("./run-command.js")).main,
  list: async () => (await import("./list-command.js")).main,
  workflow: async () => (await import("./workflow-command.js")).main,
  version: async () => async () => {
    const { RUNTIME_VERSION } = await import("../sidecar/building-blocks/metadata/metadata-core.js");
    process.stdout.write(`dapr-ts ${RUNTIME_VERSION}\n`);
    return 0;
  },
};

async function run(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage);
    process.exitCode = name ? 0 : 2;
    return;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`dapr-ts: unknown command '${name}'\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const cmd = await load();
  const code = await cmd(rest);
  // Long-running commands may leave pooled sockets or timers behind: their work is done.
  process.exit(code);
}

run().catch((err) => {
  process.stderr.write(`dapr-ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
