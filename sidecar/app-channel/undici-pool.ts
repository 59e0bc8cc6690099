// undici's Pool without the rest of undici. `import { Pool } from "undici"`
// loads the whole package (fetch, WebSocket, caches, mocks, proxy agents):
// about 4.6 MiB of heap held for the life of the process, against about
// 1.7 MiB for the pool, the HTTP/1.1 client it needs and the request API
// (Node 20, measured after a full GC). Every sidecar with an HTTP app holds
// one, so this is resident memory of every sidecar in a pod.
//
// The request methods (`request`, `stream`, ...) are not the pool's own:
// undici's entry module copies them onto Dispatcher.prototype, and so does
// this one (the same functions; loading all of undici later copies them
// again, harmlessly). The package has no "exports" map, so these module
// paths are part of what it publishes; the types are the package's own.
import { createRequire } from "node:module";
import type { Pool as UndiciPool } from "undici";

const requireFromHere = createRequire(import.meta.url);

const Dispatcher = requireFromHere("undici/lib/dispatcher/dispatcher.js") as { prototype: object };
Object.assign(Dispatcher.prototype, requireFromHere("undici/lib/api/index.js"));

export const Pool: typeof UndiciPool = requireFromHere("undici/lib/dispatcher/pool.js");
export type Pool = UndiciPool;
