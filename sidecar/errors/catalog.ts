// The one error catalog. Every error the sidecar returns to a caller is built here,
// so the Dapr error code, the HTTP status and the gRPC status always agree.
import { status as GrpcStatus } from "@grpc/grpc-js";

export class DaprError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly httpStatus: number,
    readonly grpcCode: GrpcStatus,
  ) {
    super(message);
    this.name = "DaprError";
  }

  /** The JSON body Dapr answers over HTTP. */
  toJSON(): { errorCode: string; message: string } {
    return { errorCode: this.errorCode, message: this.message };
  }
}

type Maker<A extends unknown[]> = (...args: A) => DaprError;

function entry<A extends unknown[]>(
  code: string,
  httpStatus: number,
  grpcCode: GrpcStatus,
  message: (...args: A) => string,
): Maker<A> {
  return (...args: A) => new DaprError(code, message(...args), httpStatus, grpcCode);
}

const G = GrpcStatus;

export const Errors = {
  // generic
  malformedRequest: entry("ERR_MALFORMED_REQUEST", 400, G.INVALID_ARGUMENT, (why: string) => `failed deserializing HTTP body: ${why}`),
  malformedRequestData: entry("ERR_MALFORMED_REQUEST_DATA", 400, G.INVALID_ARGUMENT, (why: string) => `can't serialize request data field: ${why}`),
  bodyTooLarge: entry("ERR_MALFORMED_REQUEST", 413, G.RESOURCE_EXHAUSTED, (limit: number) => `request body exceeds the maximum size of ${limit} bytes`),
  notFound: entry("ERR_NOT_FOUND", 404, G.NOT_FOUND, (path: string) => `no route matches ${path}`),
  notImplemented: entry("ERR_NOT_IMPLEMENTED", 501, G.UNIMPLEMENTED, (api: string) => `${api} is not implemented by dapr-ts yet`),
  apiTokenInvalid: entry("ERR_API_TOKEN", 401, G.UNAUTHENTICATED, () => "invalid api token"),
  healthNotReady: entry("ERR_HEALTH_NOT_READY", 500, G.UNAVAILABLE, (why: string) => `dapr is not ready: ${why}`),
  healthAppIdNotMatch: entry("ERR_HEALTH_APPID_NOT_MATCH", 500, G.INVALID_ARGUMENT, () => "dapr app-id does not match"),
  metadataGet: entry("ERR_METADATA_GET", 400, G.INVALID_ARGUMENT, (why: string) => `failed deserializing metadata: ${why}`),
  internal: entry("ERR_INTERNAL", 500, G.INTERNAL, (why: string) => why),

  // state
  stateStoresNotConfigured: entry("ERR_STATE_STORE_NOT_CONFIGURED", 500, G.FAILED_PRECONDITION, () => "state store is not configured"),
  stateStoreNotFound: entry("ERR_STATE_STORE_NOT_FOUND", 400, G.INVALID_ARGUMENT, (name: string) => `state store ${name} is not found`),
  stateGet: entry("ERR_STATE_GET", 500, G.INTERNAL, (key: string, store: string, why: string) => `fail to get ${key} from state store ${store}: ${why}`),
  stateSave: entry("ERR_STATE_SAVE", 500, G.INTERNAL, (store: string, why: string) => `failed saving state in state store ${store}: ${why}`),
  stateDelete: entry("ERR_STATE_DELETE", 500, G.INTERNAL, (key: string, why: string) => `failed deleting state with key ${key}: ${why}`),
  stateBulkGet: entry("ERR_STATE_BULK_GET", 500, G.INTERNAL, (store: string, why: string) => `failed getting bulk state from ${store}: ${why}`),
  stateTransaction: entry("ERR_STATE_TRANSACTION", 500, G.INTERNAL, (why: string) => `error while executing state transaction: ${why}`),
  stateTransactionNotSupported: entry("ERR_STATE_STORE_NOT_SUPPORTED", 500, G.UNIMPLEMENTED, (store: string) => `state store ${store} doesn't support transactions`),
  stateQueryNotSupported: entry("ERR_STATE_STORE_NOT_SUPPORTED", 500, G.UNIMPLEMENTED, (store: string) => `state store ${store} doesn't support query`),
  stateQuery: entry("ERR_STATE_QUERY", 500, G.INTERNAL, (store: string, why: string) => `failed query in state store ${store}: ${why}`),
  stateTooManyTransactionalOps: entry("ERR_STATE_STORE_TOO_MANY_TRANSACTIONS", 400, G.INVALID_ARGUMENT, (n: number, max: number) => `the transaction contains ${n} operations, which is more than what the state store supports: ${max}`),
  stateEtagMismatch: entry("ERR_STATE_SAVE", 409, G.ABORTED, (why: string) => `possible etag mismatch. error from state store: ${why}`),
  stateEtagInvalid: entry("ERR_STATE_SAVE", 400, G.INVALID_ARGUMENT, (why: string) => `invalid etag value: ${why}`),
  stateEtagMismatchDelete: entry("ERR_STATE_DELETE", 409, G.ABORTED, (why: string) => `possible etag mismatch. error from state store: ${why}`),
  stateEtagInvalidDelete: entry("ERR_STATE_DELETE", 400, G.INVALID_ARGUMENT, (why: string) => `invalid etag value: ${why}`),
  stateKeyIllegal: entry("ERR_MALFORMED_REQUEST", 400, G.INVALID_ARGUMENT, (key: string) => `input key/keyPrefix '${key}' can't contain '||'`),
  stateKeyMissing: entry("ERR_MALFORMED_REQUEST", 400, G.INVALID_ARGUMENT, () => "key is required and must not be empty"),
  stateOperationUnknown: entry("ERR_NOT_SUPPORTED_STATE_OPERATION", 400, G.INVALID_ARGUMENT, (op: string) => `operation type ${op} not supported`),

  // lock (pkg/api/errors/lock.go); the store name is for logs and details
  lockResourceIdEmpty: entry("ERR_RESOURCE_ID_EMPTY", 400, G.INVALID_ARGUMENT, (_store: string) => "lock resource id is empty"),
  lockOwnerEmpty: entry("ERR_OWNER_EMPTY", 400, G.INVALID_ARGUMENT, (_store: string) => "lock owner is empty"),
  lockExpiryNotPositive: entry("ERR_EXPIRY_NOT_POSITIVE", 400, G.INVALID_ARGUMENT, (_store: string) => "expiry in seconds is not positive"),
  lockNotConfigured: entry("ERR_LOCK_NOT_CONFIGURED", 500, G.FAILED_PRECONDITION, (store: string) => `lock ${store} is not configured`),
  lockNotFound: entry("ERR_LOCK_NOT_FOUND", 404, G.INVALID_ARGUMENT, (store: string) => `lock ${store} is not found`),
  tryLockFailed: entry("ERR_TRY_LOCK", 500, G.INTERNAL, (why: string) => `failed to try acquiring lock: ${why}`),
  unlockFailed: entry("ERR_UNLOCK", 500, G.INTERNAL, (why: string) => `failed to release lock: ${why}`),

  // secrets (pkg/api/errors/secrets.go); an unknown store is 401 in Dapr, kept for compatibility
  secretStoresNotConfigured: entry("ERR_SECRET_STORES_NOT_CONFIGURED", 500, G.FAILED_PRECONDITION, () => "secret store is not configured"),
  secretStoreNotFound: entry("ERR_SECRET_STORE_NOT_FOUND", 401, G.INVALID_ARGUMENT, (store: string) => `failed finding secret store with key ${store}`),
  secretPermissionDenied: entry("ERR_PERMISSION_DENIED", 403, G.PERMISSION_DENIED, (key: string, store: string) => `access denied by policy to get "${key}" from "${store}"`),
  secretGet: entry("ERR_SECRET_GET", 500, G.INTERNAL, (key: string, store: string, why: string) => `failed getting secret with key ${key} from secret store ${store}: ${why}`),
  secretBulkGet: entry("ERR_SECRET_GET", 500, G.INTERNAL, (store: string, why: string) => `failed getting secrets from secret store ${store}: ${why}`),

  // bindings (pkg/api/errors/binding.go): every failure, unknown binding included, is this one 500
  invokeOutputBinding: entry("ERR_INVOKE_OUTPUT_BINDING", 500, G.INTERNAL, (name: string, why: string) => `error invoking output binding ${name}: ${why}`),

  // configuration (pkg/api/errors/configuration.go)
  configurationNotConfigured: entry("ERR_CONFIGURATION_STORE_NOT_CONFIGURED", 500, G.FAILED_PRECONDITION, () => "configuration stores not configured"),
  configurationStoreNotFound: entry("ERR_CONFIGURATION_STORE_NOT_FOUND", 500, G.INVALID_ARGUMENT, (store: string) => `configuration store ${store} not found`),
  configurationGet: entry("ERR_CONFIGURATION_GET", 500, G.INTERNAL, (keys: string[], store: string, why: string) => `failed to get [${keys.join(" ")}] from Configuration store ${store}: ${why}`),
  configurationSubscribe: entry("ERR_CONFIGURATION_SUBSCRIBE", 500, G.INVALID_ARGUMENT, (keys: string[], store: string, why: string) => `failed to subscribe [${keys.join(" ")}] from Configuration store ${store}: ${why}`),
  configurationUnsubscribe: entry("ERR_CONFIGURATION_UNSUBSCRIBE", 500, G.INTERNAL, (id: string, why: string) => `failed to unsubscribe to configuration request ${id}: ${why}`),

  // pub/sub
  pubsubNotConfigured: entry("ERR_PUBSUB_NOT_CONFIGURED", 400, G.FAILED_PRECONDITION, () => "no pubsub is configured"),
  pubsubEmpty: entry("ERR_PUBSUB_EMPTY", 404, G.INVALID_ARGUMENT, () => "pubsub name is empty"),
  pubsubNotFound: entry("ERR_PUBSUB_NOT_FOUND", 404, G.INVALID_ARGUMENT, (name: string) => `pubsub ${name} is not found`),
  topicEmpty: entry("ERR_TOPIC_NAME_EMPTY", 404, G.INVALID_ARGUMENT, (pubsub: string) => `topic is empty in pubsub ${pubsub}`),
  pubsubForbidden: entry("ERR_PUBSUB_FORBIDDEN", 403, G.PERMISSION_DENIED, (topic: string, pubsub: string, appId: string) => `topic ${topic} is not allowed for app id ${appId} in pubsub ${pubsub}`),
  pubsubPublish: entry("ERR_PUBSUB_PUBLISH_MESSAGE", 500, G.INTERNAL, (topic: string, pubsub: string, why: string) => `error when publishing to topic ${topic} in pubsub ${pubsub}: ${why}`),
  pubsubCloudEvent: entry("ERR_PUBSUB_CLOUD_EVENTS_SER", 400, G.INVALID_ARGUMENT, (topic: string, pubsub: string, why: string) => `error when trying to create a cloud event for topic ${topic} in pubsub ${pubsub}: ${why}`),
  pubsubBulkEntries: entry("ERR_PUBSUB_EVENTS_SER", 400, G.INVALID_ARGUMENT, (why: string) => `error when reading bulk publish entries: ${why}`),
  pubsubMetadata: entry("ERR_PUBSUB_REQUEST_METADATA", 400, G.INVALID_ARGUMENT, (why: string) => `invalid publish metadata: ${why}`),

  // service invocation
  directInvoke: entry("ERR_DIRECT_INVOKE", 500, G.INTERNAL, (appId: string, why: string) => `failed to invoke, id: ${appId}, err: ${why}`),
  directInvokeNoAppId: entry("ERR_DIRECT_INVOKE", 404, G.NOT_FOUND, () => "failed getting app id either from the URL path or the header dapr-app-id"),
  directInvokeMethodInvalid: entry("ERR_DIRECT_INVOKE", 400, G.INVALID_ARGUMENT, (why: string) => `invalid method: ${why}`),
  directInvokeNotReady: entry("ERR_DIRECT_INVOKE", 500, G.INTERNAL, (why: string) => `invoke API is not ready: ${why}`),
  directInvokeDenied: entry("ERR_DIRECT_INVOKE", 403, G.PERMISSION_DENIED, (why: string) => `access control policy has denied access: ${why}`),
  directInvokeTimeout: entry("ERR_DIRECT_INVOKE", 500, G.DEADLINE_EXCEEDED, (appId: string) => `failed to invoke, id: ${appId}, err: context deadline exceeded`),
  directInvokeCircuitOpen: entry("ERR_DIRECT_INVOKE", 500, G.UNAVAILABLE, (appId: string) => `failed to invoke, id: ${appId}, err: circuit breaker is open`),
  // gRPC proxying (an app's own gRPC service called with dapr-app-id); gRPC only, the HTTP statuses are nominal
  grpcProxyUnknownMethod: entry("ERR_DIRECT_INVOKE", 501, G.UNIMPLEMENTED, (path: string) => `The server does not implement the method ${path}`),
  grpcProxyDenied: entry("ERR_DIRECT_INVOKE", 403, G.PERMISSION_DENIED, (why: string) => why),
  grpcProxyUnreachable: entry("ERR_DIRECT_INVOKE", 503, G.UNAVAILABLE, (appId: string, why: string) => `failed to proxy request to app ${appId}: ${why}`),
  grpcProxyRetryOnStream: entry("ERR_DIRECT_INVOKE", 400, G.FAILED_PRECONDITION, () => "cannot use resiliency policies with retries on streaming RPCs"),

  // actors (pkg/messages/predefined.go); HTTP statuses as daprd's actor API answers them
  actorRuntimeNotFound: entry("ERR_ACTOR_RUNTIME_NOT_FOUND", 500, G.INTERNAL, (why: string) => `the actor runtime is not configured: ${why}`),
  actorInstanceMissing: entry("ERR_ACTOR_INSTANCE_MISSING", 400, G.INVALID_ARGUMENT, () => "actor instance is missing"),
  actorNoAddress: entry("ERR_ACTOR_INVOKE_METHOD", 500, G.INTERNAL, (type: string, id: string) => `error invoke actor method: did not find address for actor ${type}/${id}`),
  actorInvokeMethod: entry("ERR_ACTOR_INVOKE_METHOD", 500, G.INTERNAL, (why: string) => `error invoke actor method: ${why}`),
  actorStackDepth: entry("ERR_ACTOR_INVOKE_METHOD", 500, G.FAILED_PRECONDITION, (max: number) => `maximum stack depth of ${max} exceeded for reentrant actor`),
  actorStateGet: entry("ERR_ACTOR_STATE_GET", 500, G.INTERNAL, (why: string) => `error getting actor state: ${why}`),
  actorStateTransaction: entry("ERR_ACTOR_STATE_TRANSACTION_SAVE", 500, G.INTERNAL, (why: string) => `error saving actor transaction state: ${why}`),
  actorReminderCreate: entry("ERR_ACTOR_REMINDER_CREATE", 500, G.INTERNAL, (why: string) => `error creating actor reminder: ${why}`),
  actorReminderBadRequest: entry("ERR_ACTOR_REMINDER_CREATE", 400, G.INVALID_ARGUMENT, (why: string) => `error creating actor reminder: ${why}`),
  actorReminderConflict: entry("ERR_ACTOR_REMINDER_CREATE", 409, G.ALREADY_EXISTS, (name: string) => `reminder ${name} already exists with different data`),
  actorReminderGet: entry("ERR_ACTOR_REMINDER_GET", 500, G.INTERNAL, (why: string) => `error getting actor reminder: ${why}`),
  actorReminderNotFound: entry("ERR_ACTOR_REMINDER_NOT_FOUND", 404, G.NOT_FOUND, (name: string) => `reminder ${name} not found`),
  actorReminderDelete: entry("ERR_ACTOR_REMINDER_DELETE", 500, G.INTERNAL, (why: string) => `error deleting actor reminder: ${why}`),
  actorReminderNonHosted: entry("ERR_ACTOR_REMINDER_NON_HOSTED", 403, G.PERMISSION_DENIED, (type: string) => `operation is not supported: actor type ${type} is not hosted by this app`),
  actorTimerCreate: entry("ERR_ACTOR_TIMER_CREATE", 500, G.INTERNAL, (why: string) => `error creating actor timer: ${why}`),
  actorTimerNotOwned: entry("ERR_ACTOR_TIMER_CREATE", 500, G.INTERNAL, () => "error creating actor timer: operations on actor timers are only possible on the host that owns the actor"),
  actorTimerTypeNotHosted: entry("ERR_ACTOR_TIMER_CREATE", 500, G.INTERNAL, (type: string, id: string) => `error creating actor timer: can't create timer for actor ${type}||${id}: actor type not registered`),
  actorTimerDelete: entry("ERR_ACTOR_TIMER_DELETE", 500, G.INTERNAL, (why: string) => `error deleting actor timer: ${why}`),
  actorNoAppChannel: entry("ERR_ACTOR_NO_APP_CHANNEL", 500, G.INTERNAL, () => "app channel not initialized"),

  // workflows (pkg/messages/predefined.go)
  workflowStoreMissing: entry("ERR_WORKFLOW_STATE_STORE_MISSING", 500, G.FAILED_PRECONDITION, () => 'workflows need a state store marked as the actor state store: set the metadata "actorStateStore: true" on a transactional state store component'),
  workflowComponentNotFound: entry("ERR_WORKFLOW_COMPONENT_NOT_FOUND", 400, G.INVALID_ARGUMENT, (name: string) => `workflow component ${name} does not exist`),
  workflowNameMissing: entry("ERR_WORKFLOW_NAME_MISSING", 400, G.INVALID_ARGUMENT, () => "workflow name is not configured"),
  workflowInstanceIdMissing: entry("ERR_INSTANCE_ID_PROVIDED_MISSING", 400, G.INVALID_ARGUMENT, () => "no instance ID was provided"),
  workflowInstanceIdInvalid: entry("ERR_INSTANCE_ID_INVALID", 400, G.INVALID_ARGUMENT, (id: string) => `workflow instance ID '${id}' is invalid: only alphanumeric and underscore characters are allowed`),
  workflowInstanceIdTooLong: entry("ERR_INSTANCE_ID_TOO_LONG", 400, G.INVALID_ARGUMENT, (max: number) => `workflow instance ID exceeds the max length of ${max} characters`),
  workflowInstanceNotFound: entry("ERR_INSTANCE_ID_NOT_FOUND", 404, G.NOT_FOUND, (id: string) => `unable to find workflow with the provided instance ID: ${id}`),
  workflowAlreadyExists: entry("ERR_START_WORKFLOW", 409, G.ALREADY_EXISTS, (id: string) => `an active workflow with ID '${id}' already exists`),
  workflowInputMalformed: entry("ERR_MALFORMED_REQUEST", 400, G.INVALID_ARGUMENT, (what: string, why: string) => `the workflow ${what} must be JSON: ${why}`),
  workflowEventNameMissing: entry("ERR_WORKFLOW_EVENT_NAME_MISSING", 400, G.INVALID_ARGUMENT, () => "missing workflow event name"),
  workflowPurgeNotTerminal: entry("ERR_PURGE_WORKFLOW", 400, G.FAILED_PRECONDITION, (id: string, status: string) => `workflow ${id} is ${status}: only completed, failed or terminated workflows can be purged`),
  workflowOperation: entry("ERR_WORKFLOW_OPERATION", 500, G.INTERNAL, (op: string, id: string, why: string) => `error during ${op} on workflow ${id}: ${why}`),

  // components and runtime
  componentNotFound: entry("ERR_COMPONENT_NOT_FOUND", 400, G.INVALID_ARGUMENT, (kind: string, name: string) => `${kind} ${name} is not found`),
} as const;

export type ErrorCatalog = typeof Errors;

/** Turns anything thrown into a DaprError, using `fallback` for foreign errors. */
export function asDaprError(err: unknown, fallback: (why: string) => DaprError): DaprError {
  if (err instanceof DaprError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return fallback(why);
}
