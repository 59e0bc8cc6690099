// A bench's server in a child process of its own, as the sidecar is one (a
// server inside the bench process would share its event loop and save the
// cross-process wake-ups every sidecar pays). The child announces what it
// listens on over IPC; the parent waits for that, and the child exits when
// the parent goes away, even killed (the IPC channel closes).
import { fork, type ChildProcess } from "node:child_process";

export interface ChildServer<Info> {
  child: ChildProcess;
  /** What the child announced once listening (its ports). */
  info: Info;
  stop(): Promise<void>;
}

/** Forks `modulePath` with `args` and resolves once it has announced itself. */
export async function forkServer<Info>(modulePath: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ChildServer<Info>> {
  // From the TypeScript source (the bench's own tests), the child needs tsx to load it.
  const execArgv = modulePath.endsWith(".ts") ? [...process.execArgv, "--import", "tsx"] : undefined;
  const child = fork(modulePath, args, { stdio: ["ignore", "ignore", "inherit", "ipc"], ...(env ? { env } : {}), ...(execArgv ? { execArgv } : {}) });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const info = await new Promise<Info>((resolve, reject) => {
    child.once("message", (m) => resolve(m as Info));
    child.once("exit", (code) => reject(new Error(`${modulePath} ${args.join(" ")} exited (${code}) before listening`)));
  });
  return {
    child,
    info,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** In the child: tells the parent `info`, and exits when the parent is gone. */
export function announceToParent(info: object): void {
  process.send!(info);
  process.on("disconnect", () => process.exit(0));
}
