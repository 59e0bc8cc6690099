// What every building-block core is given: the sidecar's identity, its live
// components and the resiliency policies that wrap every outbound call.
import type { ComponentHub } from "../components/hub.js";
import type { Logger } from "../log/logger.js";
import { ResiliencyProvider } from "../resiliency/index.js";

export type { Runner as PolicyRunner } from "../resiliency/index.js";

/** The part of the resiliency engine the building blocks use. */
export type PolicySource = Pick<ResiliencyProvider, "componentOutbound" | "componentInbound" | "endpointPolicy" | "actorPolicy" | "builtIn">;

/** No policies: every call runs once, as is. */
export const noPolicies: PolicySource = ResiliencyProvider.empty();

export interface RuntimeContext {
  appId: string;
  namespace: string;
  hub: ComponentHub;
  logger: Logger;
  policies: PolicySource;
}
