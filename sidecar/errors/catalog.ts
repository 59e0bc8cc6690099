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
