// How Dapr's SQL stores persist a value. daprd hands a store either decoded
// JSON (HTTP API) or raw bytes (gRPC API); the SQL stores keep JSON as text and
// bytes as base64 with an `is_binary` flag. Our contract only carries bytes, so
// a value that is valid UTF-8 JSON is stored as JSON text and anything else as
// binary: both forms read back byte-exact, and rows written by Dapr read the same.

/** True when `buf` is valid JSON whose UTF-8 text round-trips to the same bytes. */
export function isJsonText(buf: Buffer): boolean {
  if (buf.length === 0) return false;
  const text = buf.toString("utf8");
  // Invalid UTF-8 decodes to U+FFFD and would not re-encode to the same bytes.
  if (Buffer.byteLength(text, "utf8") !== buf.length || !Buffer.from(text, "utf8").equals(buf)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export interface EncodedValue {
  text: string;
  isBinary: boolean;
}

/** SQLite layout: JSON as its text, bytes as bare base64. */
export function encodeForSqlite(value: Buffer): EncodedValue {
  return isJsonText(value) ? { text: value.toString("utf8"), isBinary: false } : { text: value.toString("base64"), isBinary: true };
}

/** PostgreSQL (jsonb) layout: JSON as itself, bytes as a JSON string holding base64. */
export function encodeForJsonb(value: Buffer): EncodedValue {
  return isJsonText(value)
    ? { text: value.toString("utf8"), isBinary: false }
    : { text: JSON.stringify(value.toString("base64")), isBinary: true };
}

export function decodeFromSqlite(text: string, isBinary: boolean): Buffer {
  return isBinary ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
}

export function decodeFromJsonb(text: string, isBinary: boolean): Buffer {
  if (!isBinary) return Buffer.from(text, "utf8");
  const b64: unknown = JSON.parse(text);
  if (typeof b64 !== "string") throw new Error("binary state value is not a base64 JSON string");
  return Buffer.from(b64, "base64");
}
