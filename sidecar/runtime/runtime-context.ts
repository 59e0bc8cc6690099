// What every building-block core is given: the sidecar's identity, its live
// components and the resiliency policies that wrap every outbound call.
import type { ComponentHub } from "../components/hub.js";
import type { Logger } from "../log/logger.js";

/** One policy runner: timeout, retry and circuit breaker around a call. */
export interface PolicyRunner {
  run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** The part of the resiliency engine the building blocks use. */
export interface PolicySource {
  componentOutbound(name: string, category: string): PolicyRunner;
  componentInbound(name: string, category: string): PolicyRunner;
  endpointPolicy(appId: string): PolicyRunner;
  actorPolicy(actorType: string, actorId?: string): PolicyRunner;
}

const direct: PolicyRunner = { run: (fn) => fn(new AbortController().signal) };

/** No policies: every call runs once, as is. */
export const noPolicies: PolicySource = {
  componentOutbound: () => direct,
  componentInbound: () => direct,
  endpointPolicy: () => direct,
  actorPolicy: () => direct,
};

export interface RuntimeContext {
  appId: string;
  namespace: string;
  hub: ComponentHub;
  logger: Logger;
  policies: PolicySource;
}
