// Bindings as a building block: output bindings on both transports, and
// (once the app is reachable) delivery of input binding events.
import type { BlockFactory } from "../../runtime/building-block.js";
import { BindingsCore } from "./bindings-core.js";
import { bindingsGrpcHandlers } from "./bindings-grpc.js";
import { registerBindingsHttp } from "./bindings-http.js";
import { InputBindingDelivery } from "./input-bindings.js";
import { RELOAD_INPUT_BINDING_HOOK } from "../../runtime/reload-hooks.js";

export const bindingsBlock: BlockFactory = (ctx) => {
  const core = new BindingsCore(ctx.rt);
  const inputs = ctx.appChannel ? new InputBindingDelivery(ctx.rt, ctx.appChannel, core, ctx.state) : undefined;
  if (inputs) ctx.shared.set(RELOAD_INPUT_BINDING_HOOK, (name: string) => inputs.reload(name));
  return {
    name: "bindings",
    http: (r) => registerBindingsHttp(r, core),
    grpc: bindingsGrpcHandlers(core),
    appReady: inputs ? () => inputs.start() : undefined,
    appHealthChanged: inputs ? async (healthy) => inputs.setHealthy(healthy) : undefined,
    stop: inputs ? async () => inputs.stop() : undefined,
  };
};
