// Resiliency policies that a changed Resiliency resource can replace while the
// sidecar runs: the cores keep their `rt.policies` reference, and each call
// asks the current provider for its runner, so the next call uses the new
// policies while calls already running finish under the old ones.
import type { PolicySource } from "../runtime/runtime-context.js";
import { ResiliencyProvider } from "../resiliency/index.js";

export class SwappablePolicies implements PolicySource {
  constructor(private current: ResiliencyProvider = ResiliencyProvider.empty()) {}

  swap(next: ResiliencyProvider): void {
    this.current = next;
  }

  get provider(): ResiliencyProvider {
    return this.current;
  }

  componentOutbound(...a: Parameters<PolicySource["componentOutbound"]>) { return this.current.componentOutbound(...a); }
  componentInbound(...a: Parameters<PolicySource["componentInbound"]>) { return this.current.componentInbound(...a); }
  endpointPolicy(...a: Parameters<PolicySource["endpointPolicy"]>) { return this.current.endpointPolicy(...a); }
  actorPolicy(...a: Parameters<PolicySource["actorPolicy"]>) { return this.current.actorPolicy(...a); }
  builtIn(...a: Parameters<PolicySource["builtIn"]>) { return this.current.builtIn(...a); }
}
