// Closing waits for handlers that are running, but never forever: an app that
// hangs must not make close() hang. After the grace period the messages are
// simply left unacknowledged, so the broker hands them out again later.
export const CLOSE_GRACE_MS = 10_000;

/** Waits until every promise settled or `ms` passed, whichever comes first. */
export async function settleWithin(promises: Iterable<Promise<unknown> | undefined>, ms = CLOSE_GRACE_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([Promise.allSettled([...promises]), timeout]);
  clearTimeout(timer);
}
