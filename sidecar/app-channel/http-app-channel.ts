// The app channel over HTTP: keep-alive connections to the app's port, Dapr's
// callback routes, and Dapr's reading of the app's answers.
import { randomUUID } from "node:crypto";
import { Pool } from "./undici-pool.js";
import { callApp, type AppAnswer } from "./app-answer.js";
import type { Logger } from "../log/logger.js";
import type {
  AppChannel,
  AppInvokeRequest,
  AppInvokeResponse,
  AppStreamRequest,
  AppStreamResponse,
  AppSubscription,
  BindingEventDelivery,
  BindingEventReply,
  BulkDelivery,
  DeliveryStatus,
  TopicEventDelivery,
} from "./app-channel.js";
import type { ConcurrencyLimiter } from "./concurrency-limiter.js";
import { parseAppSubscriptions } from "./subscription-answer.js";

export interface HttpAppChannelOptions {
  host: string;
  port: number;
  appId: string;
  tls: boolean;
  appApiToken?: string;
  healthCheckPath: string;
  limiter: ConcurrencyLimiter;
  logger: Logger;
}

const statuses = new Set(["SUCCESS", "RETRY", "DROP"]);

export class HttpAppChannel implements AppChannel {
  readonly protocol = "http" as const;
  private readonly pool: Pool;
  private readonly baseHeaders: Record<string, string>;

  constructor(private readonly o: HttpAppChannelOptions) {
    this.pool = new Pool(`${o.tls ? "https" : "http"}://${o.host}:${o.port}`, {
      connections: 256,
      keepAliveTimeout: 30_000,
      connect: o.tls ? { rejectUnauthorized: false } : undefined,
    });
    this.baseHeaders = o.appApiToken ? { "dapr-api-token": o.appApiToken } : {};
  }

  async listSubscriptions(): Promise<AppSubscription[]> {
    const r = await this.request("GET", "/dapr/subscribe", { "dapr-app-id": this.o.appId });
    if (r.status === 404) return [];
    if (r.status < 200 || r.status > 299) throw new Error(`GET /dapr/subscribe answered ${r.status}`);
    if (r.body.length === 0) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body.toString("utf8"));
    } catch (err) {
      throw new Error(`GET /dapr/subscribe answered invalid JSON: ${(err as Error).message}`);
    }
    return parseAppSubscriptions(parsed, (w) => this.o.logger.warn("ignoring app subscription", { problem: w }));
  }

  async deliverTopicEvent(d: TopicEventDelivery): Promise<DeliveryStatus> {
    const headers: Record<string, string> = { "content-type": "application/cloudevents+json" };
    if (typeof d.event.traceparent === "string" && d.event.traceparent) headers["traceparent"] = d.event.traceparent;
    if (typeof d.event.tracestate === "string" && d.event.tracestate) headers["tracestate"] = d.event.tracestate;
    headers["pubsubname"] = d.pubsubName;
    const r = await this.request("POST", routePath(d.path), headers, Buffer.from(JSON.stringify(d.event)));
    return this.verdict(r.status, r.body, d.path);
  }

  async deliverBulkTopicEvent(d: BulkDelivery): Promise<Record<string, DeliveryStatus>> {
    const body = {
      id: randomUUID(),
      type: "com.dapr.event.sent.bulk",
      topic: d.topic,
      pubsubname: d.pubsubName,
      metadata: d.metadata,
      entries: d.entries.map((e) => ({
        entryId: e.entryId,
        event: Buffer.isBuffer(e.event) ? e.event.toString("utf8") : e.event,
        contentType: e.contentType,
        metadata: e.metadata,
      })),
    };
    const r = await this.request("POST", routePath(d.path), { "content-type": "application/cloudevents+json" }, Buffer.from(JSON.stringify(body)));
    const all = (s: DeliveryStatus) => Object.fromEntries(d.entries.map((e) => [e.entryId, s]));
    if (r.status === 404) return all("DROP");
    if (r.status < 200 || r.status > 299) return all("RETRY");
    const out: Record<string, DeliveryStatus> = {};
    try {
      const parsed = JSON.parse(r.body.toString("utf8")) as { statuses?: { entryId?: string; status?: string }[] };
      for (const s of parsed.statuses ?? []) {
        if (typeof s.entryId === "string") out[s.entryId] = statuses.has(String(s.status)) ? (s.status as DeliveryStatus) : "RETRY";
      }
    } catch {
      // An unreadable answer leaves every entry unanswered: all are retried.
    }
    for (const e of d.entries) out[e.entryId] ??= "RETRY";
    return out;
  }

  async invoke(req: AppInvokeRequest): Promise<AppInvokeResponse> {
    const path = routePath(req.method) + (req.query ? `?${req.query}` : "");
    const headers = { ...req.headers };
    if (req.contentType) headers["content-type"] = req.contentType;
    const r = await this.request(req.verb, path, headers, req.body.length ? req.body : undefined);
    return { status: r.status, headers: r.headers, body: r.body, contentType: r.headers["content-type"] };
  }

  streamInvoke(req: AppStreamRequest): Promise<AppStreamResponse> {
    const path = routePath(req.method) + (req.query ? `?${req.query}` : "");
    // Copied key by key: a spread of two objects costs more on this path (one call each).
    const headers: Record<string, string> = {};
    for (const k in this.baseHeaders) headers[k] = this.baseHeaders[k]!;
    for (const k in req.headers) if (k !== "__proto__") headers[k] = req.headers[k]!;
    if (req.contentType) headers["content-type"] = req.contentType;
    const call = { method: req.verb, path, headers, body: req.body };
    const toResponse = (a: AppAnswer): AppStreamResponse => ({ status: a.status, headers: a.headers, body: a.body, contentType: a.headers["content-type"] });
    // The concurrency slot is held until the app's answer is all in (or dropped), not only until
    // its headers arrive: the app is busy until then. Without a limit, no slot to wait for.
    if (!this.o.limiter.limited) return callApp(this.pool, call, noop).then(toResponse);
    return new Promise<AppStreamResponse>((resolve, reject) => {
      void this.o.limiter.run(() => new Promise<void>((settled) => callApp(this.pool, call, settled).then((a) => resolve(toResponse(a)), reject)));
    });
  }

  async listInputBindings(candidates: { name: string; route: string }[]): Promise<string[]> {
    const out: string[] = [];
    for (const c of candidates) {
      try {
        const r = await this.request("OPTIONS", routePath(c.route), {});
        // 405 counts: the app has the route but no OPTIONS handler (Dapr reads it the same way).
        if ((r.status >= 200 && r.status < 300) || r.status === 405) out.push(c.name);
      } catch (err) {
        this.o.logger.warn("input binding probe failed", { binding: c.name, error: (err as Error).message });
      }
    }
    return out;
  }

  async deliverBindingEvent(d: BindingEventDelivery): Promise<BindingEventReply> {
    const headers: Record<string, string> = {};
    // Binding metadata travels as request headers, as Dapr sends it.
    for (const [k, v] of Object.entries(d.metadata)) if (isHeaderSafe(k, v)) headers[k] = v;
    // Dapr always labels binding payloads JSON, whatever the source's content type.
    headers["content-type"] = "application/json";
    const r = await this.request("POST", routePath(d.route), headers, d.data);
    if (r.status < 200 || r.status > 299) throw new Error(`app answered ${r.status} for binding event ${d.name}`);
    return parseHttpBindingReply(r.body);
  }

  async healthProbe(timeoutMs: number): Promise<boolean> {
    try {
      const r = await this.request("GET", routePath(this.o.healthCheckPath), {}, undefined, timeoutMs, false);
      return r.status >= 200 && r.status < 300;
    } catch {
      return false;
    }
  }

  /** Waits briefly for calls in flight; an app that never answers must not hold shutdown forever. */
  async close(graceMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<"timeout">((r) => { timer = setTimeout(() => r("timeout"), graceMs); timer.unref(); });
    const outcome = await Promise.race([this.pool.close().catch(() => undefined), gaveUp]);
    clearTimeout(timer);
    if (outcome === "timeout") await this.pool.destroy().catch(() => {});
  }

  /** Dapr's reading of a delivery answer: 2xx body decides, 404 drops, anything else retries. */
  private verdict(status: number, body: Buffer, path: string): DeliveryStatus {
    if (status === 404) {
      this.o.logger.error("app answered 404 for a delivery; dropping the message", { path });
      return "DROP";
    }
    if (status < 200 || status > 299) return "RETRY";
    if (body.length === 0) return "SUCCESS";
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return "SUCCESS";
    }
    const s = (parsed as { status?: unknown } | null)?.status;
    if (s === undefined || s === null || s === "") return "SUCCESS";
    const upper = String(s).toUpperCase();
    if (statuses.has(upper)) return upper as DeliveryStatus;
    this.o.logger.warn("app answered an unknown delivery status; retrying", { status: String(s), path });
    return "RETRY";
  }

  private async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer,
    timeoutMs?: number,
    limited = true,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const call = async () => {
      const r = await this.pool.request({
        method: method as never,
        path,
        headers: { ...this.baseHeaders, ...headers },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const buf = Buffer.from(await r.body.arrayBuffer());
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(", ") : v;
      return { status: r.statusCode, headers: h, body: buf };
    };
    return limited ? this.o.limiter.run(call) : call();
  }
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isHeaderSafe(k: string, v: string): boolean {
  return headerName.test(k) && !/[\r\n\0]/.test(v) && !["content-length", "host", "connection", "transfer-encoding"].includes(k.toLowerCase());
}

/** Reads the optional `{storeName, state, to, concurrency, data}` answer; any other body means "nothing to do". */
export function parseHttpBindingReply(body: Buffer): BindingEventReply {
  const reply: BindingEventReply = { states: [], to: [], concurrency: "sequential" };
  if (body.length === 0) return reply;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return reply;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return reply;
  const p = parsed as Record<string, unknown>;
  if (typeof p.storeName === "string" && p.storeName) reply.storeName = p.storeName;
  if (Array.isArray(p.state)) {
    for (const s of p.state) {
      if (typeof s !== "object" || s === null || typeof (s as { key?: unknown }).key !== "string") continue;
      const item = s as { key: string; value?: unknown; etag?: unknown; metadata?: unknown };
      const metadata = typeof item.metadata === "object" && item.metadata !== null ? Object.fromEntries(Object.entries(item.metadata).map(([k, v]) => [k, String(v)])) : {};
      // Stored as its JSON encoding, like the state API does with a JSON value.
      reply.states.push({ key: item.key, value: Buffer.from(JSON.stringify(item.value ?? null)), etag: typeof item.etag === "string" ? item.etag : undefined, metadata });
    }
  }
  if (Array.isArray(p.to)) reply.to = p.to.filter((t): t is string => typeof t === "string" && t !== "");
  if (typeof p.concurrency === "string" && p.concurrency.toLowerCase() === "parallel") reply.concurrency = "parallel";
  if (p.data !== undefined && p.data !== null) reply.data = Buffer.from(typeof p.data === "string" ? p.data : JSON.stringify(p.data));
  return reply;
}

function routePath(p: string): string {
  return p.startsWith("/") ? p : `/${p}`;
}

function noop(): void {}
