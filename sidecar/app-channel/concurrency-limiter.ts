// `--app-max-concurrency`: at most N calls into the app at once; the rest wait
// their turn in arrival order. -1 (the default) means no limit and no overhead.
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** False for -1 (no limit): callers may skip run() altogether. */
  get limited(): boolean {
    return this.max > 0;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.max <= 0) return fn();
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
