// The configuration API as a building block.
import type { BlockFactory } from "../../runtime/building-block.js";
import { ConfigurationCore } from "./configuration-core.js";
import { configurationGrpcHandlers } from "./configuration-grpc.js";
import { registerConfigurationHttp } from "./configuration-http.js";

export const configurationBlock: BlockFactory = (ctx) => {
  const core = new ConfigurationCore(ctx.rt);
  return {
    name: "configuration",
    http: (r) => registerConfigurationHttp(r, core, ctx.rt, ctx.appChannel),
    grpc: configurationGrpcHandlers(core),
    stop: () => core.stopAll(),
  };
};
