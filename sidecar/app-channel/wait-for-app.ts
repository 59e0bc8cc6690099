// Dapr waits for the app's port to open before it asks the app anything
// (subscriptions, actor config, bindings), logging while it waits.
import net from "node:net";
import type { Logger } from "../log/logger.js";

export async function waitForAppPort(host: string, port: number, log: Logger, signal?: AbortSignal): Promise<void> {
  let attempts = 0;
  while (!signal?.aborted) {
    if (await canConnect(host, port)) {
      if (attempts > 0) log.info("app port is open", { port });
      return;
    }
    if (attempts++ % 40 === 0) log.info("waiting for the app to listen", { port });
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}
