// The CloudEvents 1.0 envelope exactly as Dapr writes and reads it
// (components-contrib `pubsub/envelope.go`, dapr `pkg/runtime/pubsub/cloudevents.go`).
// Pure: no I/O; the clock and id generator can be injected for tests.
//
// We do not use the `cloudevents` npm package here: it validates and
// re-serialises events its own way (e.g. it rejects Dapr's `data_base64`
// alongside extension fields in some versions, formats `time` with
// milliseconds, and lower-cases/strips unknown attributes), whereas Dapr
// apps and SDKs rely on Dapr's exact field set and spelling.
import { randomUUID } from "node:crypto";

export const CLOUDEVENT_TYPE = "com.dapr.event.sent";
export const CLOUDEVENT_SPEC_VERSION = "1.0";
export const CLOUDEVENT_CONTENT_TYPE = "application/cloudevents+json";
/** Dapr's source for a caller's CloudEvent that has none. */
export const DEFAULT_SOURCE = "Dapr";
const DEFAULT_DATA_CONTENT_TYPE = "text/plain";

export interface CloudEvent {
  id: string;
  source: string;
  type: string;
  specversion: string;
  datacontenttype?: string;
  data?: unknown;
  data_base64?: string;
  subject?: string;
  topic?: string;
  pubsubname?: string;
  traceid?: string;
  traceparent?: string;
  tracestate?: string;
  time?: string;
  expiration?: string;
  [extension: string]: unknown;
}

/** A CloudEvent the caller or the broker handed us that cannot be used. */
export class CloudEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CloudEventError";
  }
}

// Publishers use one or two content types over and over: remembering the last
// one saves re-parsing it (up to three times per publish).
let lastContentType = "";
let lastBaseType = "";

function baseType(contentType: string): string {
  if (contentType !== lastContentType) {
    lastBaseType = contentType.split(";")[0]!.trim().toLowerCase();
    lastContentType = contentType;
  }
  return lastBaseType;
}

/** `application/json`, `text/json` or any `+json` suffix, as Dapr's contenttype.IsJSONContentType. */
export function isJsonContentType(contentType: string): boolean {
  const t = baseType(contentType);
  return t === "application/json" || t === "text/json" || t.endsWith("+json");
}

/** Bytes that can't be carried as a JSON string: octet-stream and protobuf go to `data_base64`. */
export function isBinaryContentType(contentType: string): boolean {
  const t = baseType(contentType);
  return t === "application/octet-stream" || t === "application/x-protobuf" || t === "application/protobuf" || t.startsWith("application/grpc");
}

export function isCloudEventContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && baseType(contentType) === CLOUDEVENT_CONTENT_TYPE;
}

/** RFC3339 with second precision, as Go's time.RFC3339 formats UTC times. */
export function rfc3339(d: Date): string {
  return rfc3339At(d.getTime());
}

// Every event published within one second carries the same `time`: format it once.
let lastSecond = Number.NaN;
let lastSecondText = "";

/** `rfc3339` of an epoch-milliseconds instant. */
function rfc3339At(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecondText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    lastSecond = second;
  }
  return lastSecondText;
}

export interface EnvelopeInput {
  data: Buffer;
  /** The publish request's content type; empty means text/plain. */
  contentType?: string;
  topic: string;
  pubsubName: string;
  /** The publishing app: becomes `source`. */
  appId: string;
  /** Publish request metadata: `cloudevent.*` overrides, `ttlInSeconds`, `rawPayload`. */
  metadata?: Record<string, string>;
  traceparent?: string;
  tracestate?: string;
  /** True when the broker enforces TTL itself (feature MESSAGE_TTL): then no `expiration` is written. */
  brokerHasNativeTtl?: boolean;
  now?: Date;
  newId?: () => string;
}

/** Encodes `data` into the envelope field Dapr uses for its content type. */
function encodeData(ce: CloudEvent, data: Buffer, contentType: string): void {
  if (isJsonContentType(contentType)) {
    try {
      ce.data = JSON.parse(data.toString("utf8"));
      return;
    } catch {
      // Dapr falls back to the raw string when "JSON" content isn't JSON.
    }
  } else if (isBinaryContentType(contentType)) {
    ce.data_base64 = data.toString("base64");
    return;
  }
  ce.data = data.toString("utf8");
}

const overridable = ["id", "source", "type", "subject", "traceid", "traceparent", "tracestate"] as const;
const overrideKeys = overridable.map((field) => `cloudevent.${field}`);

function applyOverrides(ce: CloudEvent, metadata: Record<string, string>): void {
  for (let i = 0; i < overridable.length; i++) {
    const v = metadata[overrideKeys[i]!];
    if (v !== undefined && v !== "") ce[overridable[i]!] = v;
  }
}

function ttlSeconds(metadata: Record<string, string>): number | undefined {
  const raw = metadata["ttlInSeconds"];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new CloudEventError(`ttlInSeconds must be a positive integer, got '${raw}'`);
  return n;
}

function applyExpiration(ce: CloudEvent, input: EnvelopeInput, nowMs: number): void {
  const ttl = ttlSeconds(input.metadata ?? {});
  if (ttl === undefined || input.brokerHasNativeTtl) return;
  ce.expiration = rfc3339At(nowMs + ttl * 1000);
}

/** Dapr's envelope for a non-CloudEvent payload. */
export function newCloudEvent(input: EnvelopeInput): CloudEvent {
  const nowMs = input.now ? input.now.getTime() : Date.now();
  const contentType = input.contentType || DEFAULT_DATA_CONTENT_TYPE;
  const trace = input.traceparent ?? "";
  const ce: CloudEvent = {
    id: (input.newId ?? randomUUID)(),
    source: input.appId,
    type: CLOUDEVENT_TYPE,
    specversion: CLOUDEVENT_SPEC_VERSION,
    datacontenttype: contentType,
    topic: input.topic,
    pubsubname: input.pubsubName,
    traceid: trace,
    traceparent: trace,
    tracestate: input.tracestate ?? "",
    time: rfc3339At(nowMs),
  };
  encodeData(ce, input.data, contentType);
  applyOverrides(ce, input.metadata ?? {});
  applyExpiration(ce, input, nowMs);
  return ce;
}

/** Parses JSON bytes into an object that has CloudEvent shape, or throws a CloudEventError saying why not. */
export function parseCloudEvent(bytes: Buffer | string): CloudEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch (err) {
    throw new CloudEventError(`cloud event is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CloudEventError("cloud event must be a JSON object");
  }
  return parsed as CloudEvent;
}

/** The problems that make `ce` an invalid CloudEvents 1.0 event; empty when valid. */
export function validateCloudEvent(ce: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const f of ["id", "source", "type", "specversion"]) {
    const v = ce[f];
    if (v === undefined || v === null || v === "") problems.push(`missing required attribute '${f}'`);
    else if (typeof v !== "string") problems.push(`attribute '${f}' must be a string`);
  }
  if (typeof ce.specversion === "string" && ce.specversion !== "" && ce.specversion !== CLOUDEVENT_SPEC_VERSION) {
    problems.push(`unsupported specversion '${ce.specversion}', expected '${CLOUDEVENT_SPEC_VERSION}'`);
  }
  if (ce.data !== undefined && ce.data_base64 !== undefined) problems.push("'data' and 'data_base64' are mutually exclusive");
  if (ce.data_base64 !== undefined && typeof ce.data_base64 !== "string") problems.push("'data_base64' must be a string");
  return problems;
}

/**
 * A caller's own CloudEvent (`application/cloudevents+json`): kept as is, with
 * Dapr's routing and trace fields set and missing attributes filled in.
 */
export function completeCloudEvent(bytes: Buffer, input: EnvelopeInput): CloudEvent {
  const ce = parseCloudEvent(bytes);
  const nowMs = input.now ? input.now.getTime() : Date.now();
  const trace = input.traceparent ?? "";
  ce.topic = input.topic;
  ce.pubsubname = input.pubsubName;
  ce.traceid = trace;
  ce.traceparent = trace;
  ce.tracestate = input.tracestate ?? "";
  if (ce.id === undefined || ce.id === "") ce.id = (input.newId ?? randomUUID)();
  if (ce.source === undefined || ce.source === "") ce.source = DEFAULT_SOURCE;
  if (ce.type === undefined || ce.type === "") ce.type = CLOUDEVENT_TYPE;
  if (ce.specversion === undefined || ce.specversion === "") ce.specversion = CLOUDEVENT_SPEC_VERSION;
  if (ce.time === undefined) ce.time = rfc3339At(nowMs);
  applyOverrides(ce, input.metadata ?? {});
  applyExpiration(ce, input, nowMs);
  const problems = validateCloudEvent(ce);
  if (problems.length > 0) throw new CloudEventError(`invalid cloud event: ${problems.join("; ")}`);
  return ce;
}

export function isRawPayload(metadata: Record<string, string> | undefined): boolean {
  const v = metadata?.["rawPayload"];
  return v !== undefined && ["true", "1", "yes", "y", "on"].includes(v.toLowerCase());
}

/**
 * What the runtime hands the component for one publish request: the raw bytes
 * when `rawPayload` is set, else the envelope (built, or completed when the
 * caller sent its own CloudEvent) serialised as JSON.
 */
export function publishPayload(input: EnvelopeInput): { data: Buffer; contentType: string } {
  if (isRawPayload(input.metadata)) {
    return { data: input.data, contentType: input.contentType || "application/octet-stream" };
  }
  const ce = isCloudEventContentType(input.contentType) ? completeCloudEvent(input.data, input) : newCloudEvent(input);
  return { data: jsonBytes(JSON.stringify(ce)), contentType: CLOUDEVENT_CONTENT_TYPE };
}

/**
 * `Buffer.from(json)`, cheaper for the usual envelope: when every character is
 * ASCII (byte length = string length) the text is copied byte for byte
 * (latin1) instead of UTF-8 encoded, which was a large share of a publish's CPU.
 */
function jsonBytes(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(length);
  out.write(json, 0, length, length === json.length ? "latin1" : "utf8");
  return out;
}

/** True when the event carries an `expiration` in the past (Dapr drops such events on delivery). */
export function hasExpired(ce: Record<string, unknown>, now: Date = new Date()): boolean {
  if (typeof ce.expiration !== "string" || ce.expiration === "") return false;
  const t = Date.parse(ce.expiration);
  return Number.isFinite(t) && t < now.getTime();
}

export type DeliveryEnvelope =
  | { kind: "deliver"; event: CloudEvent }
  | { kind: "expired"; event: CloudEvent }
  | { kind: "invalid"; error: string };

export interface DeliveryInput {
  data: Buffer;
  topic: string;
  pubsubName: string;
  /** The subscription's `rawPayload` metadata: messages are plain bytes, not envelopes. */
  rawPayload: boolean;
  now?: Date;
  newId?: () => string;
}

/**
 * The event to hand the app for a message taken from the broker. Raw
 * subscriptions get a fresh envelope with `data_base64` (octet-stream), as
 * Dapr does; otherwise the message must be a valid CloudEvent and is dropped
 * when it has expired.
 */
export function deliveryEnvelope(input: DeliveryInput): DeliveryEnvelope {
  const now = input.now ?? new Date();
  if (input.rawPayload) {
    // As Dapr's FromRawPayload: a fresh id, no trace or time, bytes as data_base64.
    const event: CloudEvent = {
      id: (input.newId ?? randomUUID)(),
      specversion: CLOUDEVENT_SPEC_VERSION,
      datacontenttype: "application/octet-stream",
      source: DEFAULT_SOURCE,
      type: CLOUDEVENT_TYPE,
      topic: input.topic,
      pubsubname: input.pubsubName,
      data_base64: input.data.toString("base64"),
    };
    return { kind: "deliver", event };
  }
  let event: CloudEvent;
  try {
    event = parseCloudEvent(input.data);
  } catch (err) {
    return { kind: "invalid", error: (err as Error).message };
  }
  const problems = validateCloudEvent(event);
  if (problems.length > 0) return { kind: "invalid", error: `invalid cloud event: ${problems.join("; ")}` };
  if (hasExpired(event, now)) return { kind: "expired", event };
  return { kind: "deliver", event };
}

/** The payload bytes of an event (`data_base64` decoded, JSON data re-serialised, strings as UTF-8). */
export function eventDataBytes(ce: CloudEvent): Buffer {
  if (typeof ce.data_base64 === "string") return Buffer.from(ce.data_base64, "base64");
  if (ce.data === undefined || ce.data === null) return Buffer.alloc(0);
  if (typeof ce.data === "string") return Buffer.from(ce.data, "utf8");
  return Buffer.from(JSON.stringify(ce.data));
}
