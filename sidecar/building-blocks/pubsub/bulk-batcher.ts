// Dapr's bulk subscribe for components without native bulk support: single
// messages are gathered until `maxMessagesCount` or `maxAwaitDurationMs`, then
// delivered to the app as one bulk request. Each message's own promise settles
// with its entry's verdict, so the component acks or redelivers it alone.
export interface Batched<T> {
  item: T;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class BulkBatcher<T> {
  private pending: Batched<T>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxCount: number,
    private readonly maxWaitMs: number,
    private readonly flushFn: (batch: Batched<T>[]) => Promise<void>,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxCount) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushFn(batch).catch((err) => {
      for (const b of batch) b.reject(err instanceof Error ? err : new Error(String(err)));
    });
  }
}
