// Small request/response helpers every HTTP adapter shares: Dapr's error body,
// `metadata.*` query parameters, and JSON bodies parsed with Dapr's errors.
import type { Request, Response } from "express";
import { DaprError, Errors } from "../../errors/catalog.js";

export function sendError(res: Response, err: unknown): void {
  const e = err instanceof DaprError ? err : Errors.internal(err instanceof Error ? err.message : String(err));
  res.status(e.httpStatus).json(e.toJSON());
}

/** `?metadata.ttlInSeconds=5&metadata.contentType=x` -> { ttlInSeconds: "5", contentType: "x" }; the first value wins. */
export function metadataFromQuery(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) {
    if (!k.startsWith("metadata.")) continue;
    const value = Array.isArray(v) ? v[0] : v;
    if (typeof value === "string") out[k.slice("metadata.".length)] = value;
  }
  return out;
}

/** Whether a request announces a body (a length other than 0, or chunked). */
export function hasBody(req: Request): boolean {
  const len = req.headers["content-length"];
  return (len !== undefined && len !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/**
 * Reads a request body whole, as the bytes that came (not decompressed or
 * decoded: like Dapr, the sidecar hands bodies on as they are), rejecting
 * with 413 past `limit` bytes. Already read (by the server): that body.
 */
export function readBody(req: Request, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Discard the rest instead of cutting the socket: the caller must get to read the 413.
        req.removeAllListeners("data");
        req.resume();
        reject(Errors.bodyTooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    // One chunk (a small body usually arrives whole) is handed on as is, not copied.
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

/** The raw body as a Buffer (the server reads every body raw, up to --max-body-size). */
export function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Parses the body as JSON; a malformed body is ERR_MALFORMED_REQUEST (400). */
export function jsonBody(req: Request): unknown {
  const buf = rawBody(req);
  if (buf.length === 0) throw Errors.malformedRequest("request body is empty");
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (err) {
    throw Errors.malformedRequest((err as Error).message);
  }
}

type AsyncHandler = (req: Request, res: Response) => Promise<void> | void;

/** Wraps an async route so any thrown DaprError becomes Dapr's error response. */
export function route(fn: AsyncHandler) {
  return (req: Request, res: Response): void => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch((err) => {
        if (!res.headersSent) sendError(res, err);
        else res.end();
      });
  };
}

/** A path parameter as a string (express 5 types them loosely). */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v.join("/") : (v ?? "");
}
