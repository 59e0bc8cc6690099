// Durable reminders in the actor state store, in daprd's (pre-scheduler)
// layout: one key per actor type, `actors||<actorType>`, holding a JSON array
// of reminders (remindersStoragePartitions 0). The key has no app prefix, so
// every app hosting the type sees the same reminders. Concurrent changes are
// batched per type into one read-modify-write, guarded by the store's ETag.
import { EtagMismatchError, type StateStore } from "../../../components/state/state-store.js";

/** One reminder as stored (field names as daprd's `internal.Reminder` JSON). */
export interface StoredReminder {
  actorID: string;
  actorType: string;
  name: string;
  data?: unknown;
  dueTime?: string;
  period?: string;
  ttl?: string;
  /** When it was registered (RFC 3339): durations count from here. */
  registeredTime: string;
  /** Firings already done, kept for reminders with a repetition count. */
  fired?: number;
}

type Mutation = (list: StoredReminder[]) => StoredReminder[];

interface Pending {
  fn: Mutation;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export const reminderKey = (type: string): string => `actors||${type}`;

export class ReminderStore {
  private readonly queues = new Map<string, Pending[]>();
  private readonly running = new Set<string>();
  private readonly writtenFns: ((type: string, list: StoredReminder[]) => void)[] = [];

  constructor(private readonly store: () => StateStore) {}

  /** Called with the full list after every successful write (so the writer needs no re-read). */
  onWritten(fn: (type: string, list: StoredReminder[]) => void): void {
    this.writtenFns.push(fn);
  }

  async list(type: string): Promise<StoredReminder[]> {
    return (await this.read(type)).list;
  }

  /**
   * Applies `fn` to the type's reminders and stores the result. `fn` may throw
   * to refuse the change; only its own caller sees that error.
   */
  mutate(type: string, fn: Mutation): Promise<void> {
    return new Promise((resolve, reject) => {
      const q = this.queues.get(type) ?? [];
      q.push({ fn, resolve, reject });
      this.queues.set(type, q);
      if (!this.running.has(type)) void this.drain(type);
    });
  }

  private async drain(type: string): Promise<void> {
    this.running.add(type);
    try {
      for (;;) {
        const batch = this.queues.get(type) ?? [];
        this.queues.delete(type);
        if (batch.length === 0) return;
        await this.apply(type, batch);
      }
    } finally {
      this.running.delete(type);
    }
  }

  private async apply(type: string, batch: Pending[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let current: { list: StoredReminder[]; etag?: string };
      try {
        current = await this.read(type);
      } catch (err) {
        for (const p of batch) p.reject(err);
        return;
      }
      let list = current.list;
      const outcomes: (unknown | undefined)[] = [];
      for (const p of batch) {
        try {
          list = p.fn(list);
          outcomes.push(undefined);
        } catch (err) {
          outcomes.push(err ?? new Error("refused"));
        }
      }
      try {
        await this.store().set({
          key: reminderKey(type),
          value: Buffer.from(JSON.stringify(list)),
          etag: current.etag,
          metadata: {},
          // first-write: with an ETag, only over what we read; without one, only if nobody created the key meanwhile.
          options: { concurrency: "first-write" },
          contentType: "application/json",
        });
      } catch (err) {
        // Another host changed the list since we read it: read again and redo.
        if (err instanceof EtagMismatchError && attempt < 50) continue;
        for (const p of batch) p.reject(err);
        return;
      }
      for (const fn of this.writtenFns) fn(type, list);
      batch.forEach((p, i) => (outcomes[i] === undefined ? p.resolve() : p.reject(outcomes[i])));
      return;
    }
  }

  private async read(type: string): Promise<{ list: StoredReminder[]; etag?: string }> {
    const r = await this.store().get({ key: reminderKey(type), metadata: {} });
    if (!r || r.data.length === 0) return { list: [] };
    const parsed = JSON.parse(r.data.toString("utf8")) as unknown;
    return { list: Array.isArray(parsed) ? (parsed as StoredReminder[]) : [], etag: r.etag };
  }
}
