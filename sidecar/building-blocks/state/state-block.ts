import type { BlockFactory } from "../../runtime/building-block.js";
import { stateGrpcHandlers } from "./state-grpc.js";
import { registerStateHttp } from "./state-http.js";

export const stateBlock: BlockFactory = (ctx) => ({
  name: "state",
  http: (r) => registerStateHttp(r, ctx.state),
  grpc: stateGrpcHandlers(ctx.state),
});
