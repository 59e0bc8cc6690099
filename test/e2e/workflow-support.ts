// Shared by the workflow e2e tests: a sidecar whose actor state store is
// Redis (durable across sidecar restarts), and SDK options that keep the
// SDK's chatty info logs out of test output.
import { LogLevel } from "@dapr/dapr";
import { redisComponentDir } from "../support/resources.js";

export function redisActorStoreDir(): string {
  return redisComponentDir("statestore", "state.redis", { actorStateStore: "true" });
}

export function sdkOptions(grpcPort: number) {
  return { daprHost: "127.0.0.1", daprPort: String(grpcPort), logger: { level: LogLevel.Error } };
}

/** The SDK's internal durabletask loggers ignore the options and print at info: mute them. */
export function muteSdkConsole(): () => void {
  const saved = { info: console.info, log: console.log, debug: console.debug, warn: console.warn, error: console.error };
  console.error = () => {};
  console.info = () => {};
  console.log = () => {};
  console.debug = () => {};
  console.warn = () => {};
  return () => Object.assign(console, saved);
}

export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what} not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A response body as JSON, loosely typed for assertions. */
export async function json(r: Response | Promise<Response>): Promise<any> {
  return (await r).json();
}
