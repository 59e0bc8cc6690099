// Listening and graceful closing for the sidecar's HTTP servers: in-flight
// requests finish (up to the grace period), idle keep-alive sockets close at once.
import http from "node:http";
import type { RequestListener } from "node:http";
import { expressRequestClasses } from "../api/http/express-request-classes.js";

export interface Listening {
  server: http.Server;
  port: number;
  address: string;
}

export function listenHttp(handler: RequestListener, port: number, address: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    // An express app's requests start with its prototypes (see express-request-classes.ts).
    const server = http.createServer({ keepAliveTimeout: 65_000, ...expressRequestClasses(handler) }, handler);
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      const a = server.address();
      resolve({ server, port: typeof a === "object" && a ? a.port : port, address });
    });
  });
}

export function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    // A keep-alive connection whose request finishes after close() goes idle and would
    // hold the server open until the grace period ends: keep closing idle ones.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearTimeout(force);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
