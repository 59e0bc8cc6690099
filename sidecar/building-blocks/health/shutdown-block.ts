import type { BlockFactory } from "../../runtime/building-block.js";
import { registerShutdownHttp, shutdownGrpcHandlers } from "./shutdown-api.js";

export const shutdownBlock: BlockFactory = (ctx) => ({
  name: "shutdown",
  http: (r) => registerShutdownHttp(r, ctx.requestShutdown),
  grpc: shutdownGrpcHandlers(ctx.requestShutdown),
});
