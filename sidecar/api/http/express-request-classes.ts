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

/**
 * `http.createServer` options that make `handler`'s requests and responses start
 * with its express prototypes; no options for anything that is not an express app.
 */
export function expressRequestClasses(handler: unknown): RequestClasses {
  if (!isExpressApp(handler) || !callable(http.IncomingMessage) || !callable(http.ServerResponse)) return {};
  function AppRequest(this: http.IncomingMessage, socket: unknown): void {
    (http.IncomingMessage as unknown as Function).call(this, socket);
  }
  AppRequest.prototype = handler.request;
  function AppResponse(this: http.ServerResponse, req: unknown, options: unknown): void {
    (http.ServerResponse as unknown as Function).call(this, req, options);
  }
  AppResponse.prototype = handler.response;
  return {
    IncomingMessage: AppRequest as unknown as typeof http.IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof http.ServerResponse,
  };
}
