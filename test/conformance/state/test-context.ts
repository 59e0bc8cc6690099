// A ComponentContext for building stores in tests, with a quiet logger.
import type { ComponentContext, Properties } from "../../../sidecar/components/component.js";
import { Logger } from "../../../sidecar/log/logger.js";

export function testContext(type: string, properties: Properties, name = "statestore"): ComponentContext {
  return { name, type, version: "v1", properties, appId: "conformance", namespace: "default", logger: new Logger({ level: "error", sink: () => {} }) };
}
