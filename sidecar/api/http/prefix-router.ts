// Express tries a router's routes one by one, testing each path pattern, so a
// request for the last-registered API walks past every other API's routes
// (about a hundred, counting the not-implemented ones). This keeps one express
// Router per literal path prefix ("/v1.0/state", "/v1.0/invoke", ...) and sends
// a request straight to the router of its prefix; routes whose first two
// segments are not literal go to a catch-all router tried afterwards. Within a
// prefix, routes keep their registration order, so matching is unchanged.
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from "express";

const verbs = ["get", "post", "put", "delete", "patch", "head", "options", "all"] as const;
type Verb = (typeof verbs)[number];

/** The routing key of a path: its first two segments, lower-cased (express matches case-insensitively). */
export function prefixKey(path: string): string {
  const second = path.indexOf("/", 1);
  if (second < 0) return path.toLowerCase();
  const third = path.indexOf("/", second + 1);
  return (third < 0 ? path : path.slice(0, third)).toLowerCase();
}

function isLiteral(key: string): boolean {
  return !/[:*{}()?+]/.test(key);
}

export interface PrefixRouter {
  /** Where building blocks register routes (only the verb methods are supported). */
  router: Router;
  /** The middleware that dispatches to the right prefix's routes. */
  handle: RequestHandler;
}

export function createPrefixRouter(): PrefixRouter {
  const groups = new Map<string, Router>();
  const wildcard = express.Router({ strict: false });

  const groupFor = (path: unknown): Router => {
    if (typeof path !== "string") return wildcard;
    const key = prefixKey(path);
    if (!isLiteral(key)) return wildcard;
    let g = groups.get(key);
    if (!g) {
      g = express.Router({ strict: false });
      groups.set(key, g);
    }
    return g;
  };

  const facade: Partial<Record<Verb, unknown>> = {};
  for (const verb of verbs) {
    facade[verb] = (path: unknown, ...handlers: unknown[]) => {
      (groupFor(path)[verb] as (...a: unknown[]) => unknown)(path, ...handlers);
      return facade;
    };
  }

  const handle: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const g = groups.get(prefixKey(req.path));
    if (!g) return wildcard(req, res, next);
    g(req, res, (err?: unknown) => (err ? next(err) : wildcard(req, res, next)));
  };
  return { router: facade as unknown as Router, handle };
}
