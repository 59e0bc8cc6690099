// Request and response classes for a node:http server in front of an express
// app, whose objects are born with the app's prototypes (`app.request`,
// `app.response`).
//
// Why: express's `app.handle` re-parents every request and response with
// `Object.setPrototypeOf(req, app.request)`. Changing the prototype of a live
// object makes V8 give it a new hidden class, and the objects (and what they
// reference) then outlive young-generation collections: measured on the sidecar's
// invocation path, about 8 KiB per request moved to the old generation, which
// grew the heap by tens of MiB under load and cost CPU in full collections.
// Created with the app's prototype already in place, the object keeps the same
// shape, express's `setPrototypeOf` finds nothing to change, and the request
// dies young (the bytes promoted per request fell to plain node:http's level,
// and express's CPU per request fell by about a third).
//
// The response is a subclass of node:http's ServerResponse, whose prototype is
// put in front of the app's (and becomes the app's `response`, so express
// finds it already in place). A plain function that calls ServerResponse on
// `this` would do as well for the chain, and does for the request, but V8
// builds the response's ~40 fields that way in dictionary mode: every access
// to them, Node's own in writing the answer included, then took a hash
// lookup (constructing one cost 1.6 µs against 0.5; HTTP invocation's caller
// spent about 3 µs more per call in node:http's response code than a bare
// relay). Constructed through `class ... extends`, it has fast properties and
// one shape, as node:http's own responses do.
import http from "node:http";

interface ExpressLike {
  request: object;
  response: object;
  handle: unknown;
}

type RequestClasses = Pick<http.ServerOptions, "IncomingMessage" | "ServerResponse">;

function isExpressApp(handler: unknown): handler is ExpressLike {
  if (typeof handler !== "function") return false;
  const h = handler as unknown as Partial<ExpressLike>;
  return typeof h.handle === "function" && typeof h.request === "object" && typeof h.response === "object";
}

// node:http's constructors are plain functions that initialise `this` when called
// (Node 20); were they ever classes, calling them would throw, so then we keep Node's own.
const callable = (f: Function): boolean => !Function.prototype.toString.call(f).startsWith("class");

/** The bytes a write of `chunk` adds to the body (a string in `encoding`, utf8 by default). */
function bodyLength(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null) return 0;
  if (typeof chunk === "string") return Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  return (chunk as Uint8Array).byteLength ?? 0;
}

/** One pair of classes per app: every server of an app (one per listening address) must share its `response`. */
const classesOf = new WeakMap<object, RequestClasses>();

/**
 * `http.createServer` options that make `handler`'s requests and responses start
 * with its express prototypes; no options for anything that is not an express app.
 * The first call for an app makes its `response` the response class's prototype
 * (which inherits all the app's `response` had).
 */
export function expressRequestClasses(handler: unknown): RequestClasses {
  if (!isExpressApp(handler) || !callable(http.IncomingMessage)) return {};
  const known = classesOf.get(handler);
  if (known) return known;
  function AppRequest(this: http.IncomingMessage, socket: unknown): void {
    (http.IncomingMessage as unknown as Function).call(this, socket);
  }
  AppRequest.prototype = handler.request;
  class AppResponse extends http.ServerResponse {
    /**
     * Body bytes written so far: Dapr's response-size metric counts what the handler wrote
     * (http-metrics.ts), and an answer ended with a Buffer or piped has no Content-Length header to read.
     */
    bodyBytes = 0;

    override write(chunk: unknown, ...rest: unknown[]): boolean {
      this.bodyBytes += bodyLength(chunk, rest[0]);
      return (super.write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }

    override end(chunk?: unknown, ...rest: unknown[]): this {
      if (typeof chunk !== "function") this.bodyBytes += bodyLength(chunk, rest[0]);
      return (super.end as (...a: unknown[]) => this)(chunk, ...rest);
    }
  }
  Object.setPrototypeOf(AppResponse.prototype, handler.response);
  handler.response = AppResponse.prototype;
  const classes: RequestClasses = {
    IncomingMessage: AppRequest as unknown as typeof http.IncomingMessage,
    ServerResponse: AppResponse as typeof http.ServerResponse,
  };
  classesOf.set(handler, classes);
  return classes;
}
