// gRPC adapter of the configuration API: Get/Subscribe/UnsubscribeConfiguration
// and their Alpha1 names. SubscribeConfiguration is a server stream: the first
// message carries only the subscription id, then one message per update.
import type * as grpc from "@grpc/grpc-js";
import { md, toServiceError, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import { DaprError } from "../../errors/catalog.js";
import type { ConfigurationCore } from "./configuration-core.js";

interface GetReq { store_name: string; keys: string[]; metadata: Record<string, string> }
interface UnsubscribeReq { store_name: string; id: string }
type SubscribeCall = grpc.ServerWritableStream<GetReq, unknown>;

export function configurationGrpcHandlers(core: ConfigurationCore): GrpcHandlers {
  const get = unary(async (req: GetReq) => ({ items: await core.get(req.store_name, req.keys ?? [], md(req.metadata)) }));
  const unsubscribe = unary(async (req: UnsubscribeReq) => {
    try {
      await core.unsubscribe(req.store_name, req.id);
      return { ok: true, message: "" };
    } catch (err) {
      // Dapr answers an unknown id with ok=false and the reason, not a status; a bad store stays an error.
      if (!(err instanceof DaprError) || err.errorCode !== "ERR_CONFIGURATION_UNSUBSCRIBE") throw err;
      return { ok: false, message: err.message };
    }
  });
  const subscribe = (call: SubscribeCall) => {
    const req = call.request;
    let id: string | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      call.end();
    };
    call.on("cancelled", () => {
      ended = true;
      if (id) void core.unsubscribe(req.store_name, id).catch(() => {});
    });
    core
      .subscribe(req.store_name, req.keys ?? [], md(req.metadata), (e) => {
        if (!ended) call.write({ id: e.id, items: e.items });
      }, end)
      .then((subId) => {
        id = subId;
        if (ended) {
          void core.unsubscribe(req.store_name, subId).catch(() => {});
          return;
        }
        call.write({ id: subId, items: {} });
      })
      .catch((err) => {
        ended = true;
        call.emit("error", toServiceError(err));
      });
  };
  return {
    GetConfiguration: get,
    GetConfigurationAlpha1: get,
    SubscribeConfiguration: subscribe as grpc.UntypedHandleCall,
    SubscribeConfigurationAlpha1: subscribe as grpc.UntypedHandleCall,
    UnsubscribeConfiguration: unsubscribe,
    UnsubscribeConfigurationAlpha1: unsubscribe,
  };
}
