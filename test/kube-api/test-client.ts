// A raw HTTP client for tests of the double's wire behaviour: trusts the
// double's CA, sends its token, returns status, headers and parsed body.
import { Agent, request } from "undici";
import type { KubeApi } from "./server.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface RawClient {
  call(method: string, path: string, body?: unknown, contentType?: string, headers?: Record<string, string>): Promise<RawResponse>;
  /** Opens a watch and collects its events until `stop()`; `ended` resolves when the server ends the stream. */
  watch(path: string): Promise<{ events: any[]; ended: Promise<void>; stop(): void }>;
  close(): Promise<void>;
}

/** `connections` caps sockets per origin (undici's default: unlimited, one TLS handshake per concurrent request). */
export function rawClient(api: KubeApi, connections?: number): RawClient {
  const dispatcher = new Agent({ connect: { ca: api.caPem }, ...(connections ? { connections } : {}) });
  const auth = { authorization: `Bearer ${api.token}` };
  return {
    async call(method, path, body, contentType = "application/json", headers = {}) {
      const res = await request(`${api.url}${path}`, {
        method: method as "GET",
        dispatcher,
        headers: { ...auth, ...(body !== undefined ? { "content-type": contentType } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.statusCode, headers: res.headers, body: parsed };
    },
    async watch(path) {
      const controller = new AbortController();
      const res = await request(`${api.url}${path}`, { method: "GET", dispatcher, headers: auth, signal: controller.signal });
      if (res.statusCode !== 200) throw new Error(`watch failed with ${res.statusCode}: ${await res.body.text()}`);
      const events: any[] = [];
      let buffered = "";
      const ended = (async () => {
        try {
          for await (const chunk of res.body) {
            buffered += chunk.toString();
            let i: number;
            while ((i = buffered.indexOf("\n")) >= 0) {
              const line = buffered.slice(0, i);
              buffered = buffered.slice(i + 1);
              if (line.trim()) events.push(JSON.parse(line));
            }
          }
        } catch {
          // aborted or cut: the stream is over either way
        }
      })();
      return { events, ended, stop: () => controller.abort() };
    },
    close: () => dispatcher.close(),
  };
}

/** Polls `fn` until it returns a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
