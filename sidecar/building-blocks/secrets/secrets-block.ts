// The secrets API as a building block; scopes come from the Configuration.
import type { BlockFactory } from "../../runtime/building-block.js";
import { SecretsCore } from "./secrets-core.js";
import { secretsGrpcHandlers } from "./secrets-grpc.js";
import { registerSecretsHttp } from "./secrets-http.js";

export const secretsBlock: BlockFactory = (ctx) => {
  const core = new SecretsCore(ctx.rt, ctx.configuration.secrets.scopes);
  return {
    name: "secrets",
    http: (r) => registerSecretsHttp(r, core),
    grpc: secretsGrpcHandlers(core),
  };
};
