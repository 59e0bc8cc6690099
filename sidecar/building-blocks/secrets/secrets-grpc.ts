// gRPC adapter of the secrets API: GetSecret and GetBulkSecret.
import { md, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { SecretsCore } from "./secrets-core.js";

export function secretsGrpcHandlers(core: SecretsCore): GrpcHandlers {
  return {
    GetSecret: unary(async (req: { store_name: string; key: string; metadata: Record<string, string> }) => ({
      data: await core.get(req.store_name, req.key, md(req.metadata)),
    })),
    GetBulkSecret: unary(async (req: { store_name: string; metadata: Record<string, string> }) => {
      const all = await core.bulk(req.store_name, md(req.metadata));
      return { data: Object.fromEntries(Object.entries(all).map(([name, secrets]) => [name, { secrets }])) };
    }),
  };
}
