// The distributed lock API (alpha) as a building block.
import type { BlockFactory } from "../../runtime/building-block.js";
import { LockCore } from "./lock-core.js";
import { lockGrpcHandlers } from "./lock-grpc.js";
import { registerLockHttp } from "./lock-http.js";

export const lockBlock: BlockFactory = (ctx) => {
  const core = new LockCore(ctx.rt);
  return {
    name: "lock",
    http: (r) => registerLockHttp(r, core),
    grpc: lockGrpcHandlers(core),
  };
};
