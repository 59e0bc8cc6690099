// Waiting in tests that watch something happen asynchronously (a delivery, a
// redelivery, a reconnect): a plain sleep, and a poll with a deadline that
// names what it waited for when it gives up.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `pollMs` until it holds; throws "timed out waiting for <what>" after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string, pollMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}
