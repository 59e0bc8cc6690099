// A LISTEN connection that stays up: when the server drops it (restart,
// pg_terminate_backend, network), it reconnects and listens again, waiting
// longer after each failure (up to 10 s). Notifications sent while it is
// down are lost, as with any LISTEN; the store's `get` is the source of truth.
import pg from "pg";
import type { Logger } from "../../../log/logger.js";

const MIN_DELAY_MS = 200;
const MAX_DELAY_MS = 10_000;

export class NotifyListener {
  private client?: pg.Client;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private delay = MIN_DELAY_MS;

  constructor(
    private readonly connectionString: string,
    /** A plain identifier, checked by the caller; LISTEN takes it unquoted as Dapr does. */
    private readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Connects and listens; rejects if the first attempt fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on("error", (err) => this.logger.warn("postgres LISTEN connection error", { channel: this.channel, error: err.message }));
    client.on("notification", (msg) => {
      if (!this.stopped && msg.channel === this.channel.toLowerCase()) this.onPayload(msg.payload ?? "");
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      client.removeAllListeners("notification");
      await client.end().catch(() => {});
      throw err;
    }
    // Only a connection that got as far as LISTEN is watched for loss.
    client.once("end", () => {
      if (this.stopped || this.client !== client) return;
      this.logger.warn("postgres LISTEN connection lost; reconnecting", { channel: this.channel });
      this.client = undefined;
      this.retry();
    });
    this.client = client;
    this.delay = MIN_DELAY_MS;
    if (this.stopped) await this.stop();
  }

  private retry(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.connect().catch((err: Error) => {
        this.logger.debug("postgres LISTEN reconnect failed", { channel: this.channel, error: err.message });
        this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
        this.retry();
      });
    }, this.delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.removeAllListeners("notification");
    await c.query(`UNLISTEN ${this.channel}`).catch(() => {});
    await c.end().catch(() => {});
  }
}
