// Sends configuration updates to an HTTP or gRPC app's invoke route, as daprd
// does for subscriptions made over HTTP: one POST /configuration/<store>/<key>
// per changed key, each carrying the whole event `{id, items}`. Anything but
// 200 is an error, retried under the store's inbound resiliency policy.
import type { AppChannel } from "../../app-channel/app-channel.js";
import type { ConfigurationUpdateEvent } from "../../components/configuration/index.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";

export function appConfigurationNotifier(rt: RuntimeContext, app: AppChannel, storeName: string) {
  return async (event: ConfigurationUpdateEvent): Promise<void> => {
    const body = Buffer.from(JSON.stringify({ id: event.id, items: event.items }));
    for (const key of Object.keys(event.items)) {
      await rt.policies.componentInbound(storeName, "configuration").run(async () => {
        const res = await app.invoke({
          method: `configuration/${encodeURIComponent(storeName)}/${encodeURIComponent(key)}`,
          verb: "POST",
          query: "",
          headers: {},
          body,
          contentType: "application/json",
        });
        if (res.status !== 200) throw Object.assign(new Error(`error sending configuration item to application, status ${res.status}`), { httpStatus: res.status });
        return res;
      });
    }
  };
}
