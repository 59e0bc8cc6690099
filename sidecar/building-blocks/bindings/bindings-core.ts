// Output bindings once, for both transports: find the binding, check the
// operation, call it inside the component's outbound resiliency policy.
// Every failure is Dapr's one 500 ERR_INVOKE_OUTPUT_BINDING.
import { DaprError, Errors } from "../../errors/catalog.js";
import { assertOperation, isOutputBinding, type InvokeResponse, type OutputBinding } from "../../components/bindings/index.js";
import { bindingDirections } from "../../components/categories.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { outputBindingCalls } from "./bindings-metrics.js";

export interface OutputBindingRequest {
  name: string;
  operation: string;
  data: Buffer;
  metadata: Record<string, string>;
}

export class BindingsCore {
  constructor(private readonly rt: RuntimeContext) {}

  async invoke(req: OutputBindingRequest): Promise<InvokeResponse> {
    const binding = this.resolve(req.name);
    try {
      return await outputBindingCalls.measure({ app_id: this.rt.appId, component: req.name, operation: req.operation }, async () => {
        if (!req.operation) throw new Error("operation field is missing from request");
        assertOperation(binding, req.operation, req.name);
        return this.rt.policies
          .componentOutbound(req.name, "bindings")
          .run(() => binding.invoke({ operation: req.operation, data: req.data, metadata: req.metadata }));
      });
    } catch (err) {
      throw err instanceof DaprError ? err : Errors.invokeOutputBinding(req.name, err instanceof Error ? err.message : String(err));
    }
  }

  private resolve(name: string): OutputBinding {
    const c = this.rt.hub.find("bindings", name);
    if (!c || !isOutputBinding(c.instance) || !bindingDirections(c.type, c.properties).output) {
      throw Errors.invokeOutputBinding(name, `couldn't find output binding ${name}`);
    }
    return c.instance;
  }
}
