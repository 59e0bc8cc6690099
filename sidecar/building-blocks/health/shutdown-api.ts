// `/v1.0/shutdown` and the Shutdown RPC: answer first, then shut down gracefully.
import type { Router } from "express";
import { route } from "../../api/http/http-helpers.js";
import { unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";

export function registerShutdownHttp(router: Router, shutdown: () => void): void {
  router.post("/v1.0/shutdown", route((_req, res) => {
    res.status(204).end();
    setImmediate(shutdown);
  }));
}

export function shutdownGrpcHandlers(shutdown: () => void): GrpcHandlers {
  return {
    Shutdown: unary(async () => {
      setImmediate(shutdown);
      return {};
    }),
  };
}
