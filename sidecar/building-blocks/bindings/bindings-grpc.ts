// gRPC adapter of output bindings: InvokeBinding.
import { md, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { BindingsCore } from "./bindings-core.js";

interface InvokeBindingReq { name: string; data: Buffer; metadata: Record<string, string>; operation: string }

export function bindingsGrpcHandlers(core: BindingsCore): GrpcHandlers {
  return {
    InvokeBinding: unary(async (req: InvokeBindingReq) => {
      const res = await core.invoke({ name: req.name, operation: req.operation, data: req.data ?? Buffer.alloc(0), metadata: md(req.metadata) });
      return { data: res.data ?? Buffer.alloc(0), metadata: res.metadata ?? {} };
    }),
  };
}
