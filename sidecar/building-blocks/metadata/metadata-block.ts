import type { BlockFactory } from "../../runtime/building-block.js";
import { metadataGrpcHandlers } from "./metadata-grpc.js";
import { registerMetadataHttp } from "./metadata-http.js";

export const metadataBlock: BlockFactory = (ctx) => ({
  name: "metadata",
  http: (r) => registerMetadataHttp(r, ctx.metadata),
  grpc: metadataGrpcHandlers(ctx.metadata),
});
