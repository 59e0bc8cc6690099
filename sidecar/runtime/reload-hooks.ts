// Names under which building blocks put their hot-reload reactions in the
// blocks' shared map, for Kubernetes mode's resource watcher to call.

/** `() => Promise<void>`: the pub/sub block re-reads its subscriptions (Subscriptions or a pub/sub component changed). */
export const RELOAD_SUBSCRIPTIONS_HOOK = "pubsub.reloadSubscriptions";

/** `(name) => Promise<void>`: the bindings block reads a replaced input binding again. */
export const RELOAD_INPUT_BINDING_HOOK = "bindings.reloadInputBinding";
