// The ComponentContext a component is built with, for tests that build one
// directly: version v1, namespace "default", and a logger that prints nothing.
import type { ComponentContext, Properties } from "../../sidecar/components/component.js";
import { silentLogger } from "../../sidecar/log/logger.js";

export function componentContext(o: { name: string; type: string; properties: Properties; appId: string }): ComponentContext {
  return { name: o.name, type: o.type, version: "v1", properties: o.properties, appId: o.appId, namespace: "default", logger: silentLogger };
}
