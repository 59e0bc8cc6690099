// A reminder firing as `dapr.proto.internals.v1.Reminder`, the message of
// `CallActorReminder`. Dapr carries the data as a google.protobuf.Any holding a
// BytesValue of the data's JSON, and reads an app cancellation from the error
// text "reminder has been canceled"; both are kept so the wire matches Dapr's.
import type { ReminderFiring } from "./reminders/reminder-firing.js";

export interface ReminderMessage {
  actor_id?: string;
  actor_type?: string;
  name?: string;
  data?: { type_url?: string; value?: Buffer } | null;
  period?: string;
  registered_time?: { seconds?: number; nanos?: number } | null;
  due_time?: string;
  expiration_time?: { seconds?: number; nanos?: number } | null;
  is_timer?: boolean;
  skip_lock?: boolean;
}

/** The status message Dapr gives a firing the app cancelled (actorerrors.ErrReminderCanceled). */
export const reminderCanceledMessage = "reminder has been canceled";

const bytesValueType = "type.googleapis.com/google.protobuf.BytesValue";

export function toReminderMessage(f: ReminderFiring, registeredTime = new Date()): ReminderMessage {
  const ms = registeredTime.getTime();
  return {
    actor_id: f.id,
    actor_type: f.type,
    name: f.name,
    data: f.data === undefined ? null : { type_url: bytesValueType, value: encodeBytesValue(Buffer.from(JSON.stringify(f.data))) },
    period: f.period,
    due_time: f.dueTime,
    registered_time: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
    is_timer: f.isTimer === true,
    skip_lock: false,
  };
}

/** Reads a firing; data that is not JSON reaches the app as a string, like any other opaque bytes. */
export function fromReminderMessage(m: ReminderMessage): ReminderFiring {
  return {
    type: m.actor_type ?? "",
    id: m.actor_id ?? "",
    name: m.name ?? "",
    data: decodeData(m.data),
    dueTime: m.due_time ?? "",
    period: m.period ?? "",
    isTimer: m.is_timer === true,
  };
}

function decodeData(any: ReminderMessage["data"]): unknown {
  const value = any?.value;
  if (!value || value.length === 0) return undefined;
  const raw = (any?.type_url ?? "").endsWith("google.protobuf.BytesValue") ? decodeBytesValue(value) : value;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return raw.toString("utf8");
  }
}

/** google.protobuf.BytesValue: field 1, length-delimited. */
export function encodeBytesValue(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x0a]), varint(b.length), b]);
}

export function decodeBytesValue(buf: Buffer): Buffer {
  let pos = 0;
  const readVarint = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new Error("truncated BytesValue");
      const byte = buf[pos++]!;
      n += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return n;
      shift += 7;
    }
  };
  try {
    while (pos < buf.length) {
      const tag = readVarint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (wire === 2) {
        const len = readVarint();
        if (pos + len > buf.length) throw new Error("truncated BytesValue");
        if (field === 1) return buf.subarray(pos, pos + len);
        pos += len;
      } else if (wire === 0) {
        readVarint();
      } else {
        throw new Error(`unexpected wire type ${wire}`);
      }
    }
    return Buffer.alloc(0); // an empty BytesValue
  } catch {
    return buf; // not a BytesValue after all: the bytes as they came
  }
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}
