// The configuration store contract (components-contrib `configuration.Store`):
// read items by key (all items when no key is given) and subscribe to their
// changes. The runtime forwards each update event to the app as
// `{id, items}` (HTTP POST /configuration/<store>/<key>, or the gRPC stream).
import type { Component } from "../component.js";

export interface ConfigurationItem {
  value: string;
  version: string;
  metadata: Record<string, string>;
}

export interface GetConfigurationRequest {
  /** Empty means every item the store holds. */
  keys: string[];
  metadata: Record<string, string>;
}

export interface GetConfigurationResponse {
  items: Record<string, ConfigurationItem>;
}

export interface SubscribeConfigurationRequest {
  /** Empty means every key. */
  keys: string[];
  metadata: Record<string, string>;
}

export interface ConfigurationUpdateEvent {
  /** The subscription id `subscribe` returned. */
  id: string;
  /** Changed items; a deleted key comes with an empty value and version. */
  items: Record<string, ConfigurationItem>;
}

export type ConfigurationUpdateHandler = (event: ConfigurationUpdateEvent) => Promise<void> | void;

export interface ConfigurationStore extends Component {
  get(req: GetConfigurationRequest): Promise<GetConfigurationResponse>;
  /** Resolves once the subscription is live (changes after this point are delivered). */
  subscribe(req: SubscribeConfigurationRequest, handler: ConfigurationUpdateHandler): Promise<string>;
  /** Throws `SubscriptionNotFoundError` for an unknown id. */
  unsubscribe(id: string): Promise<void>;
}

export class SubscriptionNotFoundError extends Error {
  constructor(readonly subscriptionId: string) {
    super(`subscription with id ${subscriptionId} does not exist`);
    this.name = "SubscriptionNotFoundError";
  }
}

/** An empty item, as sent for a deleted key. */
export function deletedItem(): ConfigurationItem {
  return { value: "", version: "", metadata: {} };
}
