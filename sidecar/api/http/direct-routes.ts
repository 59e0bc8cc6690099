// Routes the HTTP API serves past express's router: the hottest path only
// (service invocation), where express's per-request work was a share of the
// sidecar's own. For every request express's `app.handle` builds a final
// handler, and its router walks the app's middleware and then a prefix router
// and a route, each step with its own `next` closure and path matching: about
// 7 KiB of short-lived objects per invocation, a fifth of what the caller's
// sidecar allocated for it, and some 5 % of its CPU.
//
// A direct route runs the very middleware the app runs first (metrics, API
// logging, token check: `before`), in the same order, and then its handler.
// Its `match` takes only URLs that are certainly that route; any other request
// (including unusual spellings express would still match) goes through
// express, which routes it to the same handler: the two ways answer alike.
import type express from "express";
import type { NextFunction, Request, RequestHandler, Response } from "express";

export interface DirectRoute {
  /** The express route it stands in for; express sets it as `req.route.path`, which names the metrics' path label. */
  path: string;
  /** True when `url` (path and query, as received) is certainly this route. */
  match(url: string): boolean;
  handle(req: Request, res: Response): void;
}

type ErrorAnswer = (err: unknown, req: Request, res: Response) => void;

/**
 * Makes `app` serve `routes` before its router. `before` are the app's first
 * middleware (already `use`d on it); `fail` answers what they pass on as an
 * error, as the app's error middleware would.
 */
export function serveDirectRoutes(app: express.Express, before: readonly RequestHandler[], routes: readonly DirectRoute[], fail: ErrorAnswer): void {
  if (routes.length === 0) return;
  // An express app calls its own `handle` for each request; replacing it keeps `app` an
  // express app (express-request-classes.ts recognises it by these members).
  const handled = app as unknown as { handle: (req: Request, res: Response, next?: NextFunction) => void };
  const viaExpress = handled.handle.bind(app);
  // What express sets as `req.route` on reaching a route (its Route object, shared by the route's requests).
  const served = routes.map((route) => ({ route, info: { path: route.path } }));
  handled.handle = (req, res, next) => {
    const url = req.url;
    for (const { route, info } of served) {
      if (!route.match(url)) continue;
      // Born with the app's prototypes on the sidecar's servers (express-request-classes.ts);
      // elsewhere given them here, as app.handle would.
      if (Object.getPrototypeOf(req) !== app.request) Object.setPrototypeOf(req, app.request);
      if (Object.getPrototypeOf(res) !== app.response) Object.setPrototypeOf(res, app.response);
      return serveDirect(route, info, before, fail, req, res);
    }
    viaExpress(req, res, next);
  };
}

function serveDirect(route: DirectRoute, info: { path: string }, before: readonly RequestHandler[], fail: ErrorAnswer, req: Request, res: Response): void {
  // What express's app.handle and router would have set on the way to the route.
  req.res = res;
  res.req = req;
  req.originalUrl = req.url;
  req.baseUrl = "";
  let i = 0;
  const next = (err?: unknown): void => {
    if (err !== undefined && err !== null && err !== "route" && err !== "router") return fail(err, req, res);
    const mw = i < before.length ? before[i++]! : undefined;
    try {
      if (mw) {
        mw(req, res, next);
        return;
      }
      // Set as express sets it, on reaching the route: a request stopped before has none (metrics label it "").
      (req as { route?: unknown }).route = info;
      route.handle(req, res);
    } catch (thrown) {
      fail(thrown, req, res);
    }
  };
  next();
}
