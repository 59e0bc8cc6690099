// How the long-running commands (operator, injector) learn they must stop:
// SIGTERM, SIGINT, or an abort signal from whoever runs them in-process.
// Listening starts at once, so a signal during a slow start-up is not lost.

export interface StopSignal {
  /** Resolves when a stop was asked for. */
  stopped: Promise<void>;
  /** Stops listening (call once the command has finished). */
  dispose(): void;
}

export function listenForStop(signal?: AbortSignal): StopSignal {
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const onSignal = () => stop();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  signal?.addEventListener("abort", onSignal, { once: true });
  if (signal?.aborted) stop();
  return {
    stopped,
    dispose() {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      signal?.removeEventListener("abort", onSignal);
    },
  };
}
