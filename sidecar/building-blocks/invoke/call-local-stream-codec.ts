// The caller's side of CallLocalStream's wire format, written out by hand:
// InternalInvokeRequestStream out, InternalInvokeResponseStream in
// (dapr/proto/internals/v1/service_invocation.proto). Why not protobufjs: its
// fromObject/encode and decode/toObject build a message object per nested
// message and per header, then a plain copy of each; for the few fields an
// invocation carries that was ~10 µs of the caller sidecar's CPU per call.
// Headers go straight from and to plain `name: value` records (several values
// of one header joined with ", ", as HTTP does).
//
// Field numbers used (all others are skipped when read):
//   InternalInvokeRequestStream: request = 1, payload = 2
//   InternalInvokeRequest:       ver = 1 (APIVersion V1 = 1), metadata = 2, message = 3
//   common.v1.InvokeRequest:     method = 1, content_type = 3, http_extension = 4
//   common.v1.HTTPExtension:     verb = 1, querystring = 2
//   map<string, ListStringValue>: entry key = 1, value = 2; ListStringValue.values = 1
//   InternalInvokeResponseStream: response = 1, payload = 2
//   InternalInvokeResponse:      status = 1, headers = 2, message = 4
//   internals.v1.Status:         code = 1 (int32), message = 2
//   common.v1.InvokeResponse:    content_type = 2
//   common.v1.StreamPayload:     data = 1, seq = 2 (uint64)
// call-local-stream-codec.test.ts checks both directions against protobufjs's
// reading of the same .proto.
import type { StreamPayload } from "./stream-payloads.js";

/** HTTPExtension.Verb; a verb not listed travels as NONE (0), as protobufjs's fromObject leaves it. */
const VERBS: Record<string, number> = { GET: 1, HEAD: 2, POST: 3, PUT: 4, DELETE: 5, CONNECT: 6, OPTIONS: 7, TRACE: 8, PATCH: 9 };

export interface StreamRequestHead {
  method: string;
  contentType: string;
  /** Upper-case HTTP verb. */
  verb: string;
  query: string;
  metadata: Record<string, string>;
}

export interface DecodedResponseMessage {
  response?: { status: number; headers: Record<string, string>; contentType: string };
  payload?: StreamPayload;
}

// ---- encoding ----

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Bytes of a length-delimited field with a one-byte tag. */
const delimited = (len: number) => 1 + varintSize(len) + len;

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  /** Tag and length of a length-delimited field. */
  head(tag: number, len: number): void {
    this.buf[this.pos++] = tag;
    this.varint(len);
  }

  string(tag: number, s: string, bytes: number): void {
    this.head(tag, bytes);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }
}

/**
 * One InternalInvokeRequestStream: the request head (first message only), a
 * payload chunk, or both. Empty strings are left out (proto3 defaults); a
 * payload is always written, even an empty one, so the message says it carries one.
 */
export function encodeRequestMessage(head: StreamRequestHead | undefined, payload: StreamPayload | undefined): Buffer {
  // Sizing pass: every string's UTF-8 length, in the order the writing pass uses them.
  const lens: number[] = [];
  const str = (s: string, alwaysWritten = false): number => {
    const n = Buffer.byteLength(s);
    lens.push(n);
    return n || alwaysWritten ? delimited(n) : 0;
  };
  let requestSize = 0, invokeSize = 0, extSize = 0;
  const verb = head ? (VERBS[head.verb] ?? 0) : 0;
  const entrySizes: number[] = [];
  if (head) {
    invokeSize = str(head.method) + str(head.contentType);
    extSize = (verb ? 1 + varintSize(verb) : 0) + str(head.query);
    invokeSize += delimited(extSize);
    requestSize = 2 + delimited(invokeSize); // ver = V1, then the InvokeRequest
    for (const k in head.metadata) {
      const entry = str(k, true) + delimited(str(head.metadata[k]!, true));
      entrySizes.push(entry);
      requestSize += delimited(entry);
    }
  }
  const seq = payload ? Number(payload.seq) : 0;
  const payloadSize = payload ? (payload.data.length ? delimited(payload.data.length) : 0) + (seq ? 1 + varintSize(seq) : 0) : 0;
  const total = (head ? delimited(requestSize) : 0) + (payload ? delimited(payloadSize) : 0);

  const w = new Writer(Buffer.allocUnsafe(total));
  let li = 0;
  const writeStr = (tag: number, s: string, alwaysWritten = false) => {
    const n = lens[li++]!;
    if (n || alwaysWritten) w.string(tag, s, n);
  };
  if (head) {
    w.head(0x0a, requestSize); // request
    w.buf[w.pos++] = 0x08; // ver
    w.buf[w.pos++] = 1; // V1
    // Same order as the sizing pass: method, content_type, querystring, then metadata.
    w.head(0x1a, invokeSize); // message
    writeStr(0x0a, head.method);
    writeStr(0x1a, head.contentType);
    w.head(0x22, extSize); // http_extension
    if (verb) {
      w.buf[w.pos++] = 0x08;
      w.varint(verb);
    }
    writeStr(0x12, head.query);
    let ei = 0;
    for (const k in head.metadata) {
      w.head(0x12, entrySizes[ei++]!); // metadata entry
      writeStr(0x0a, k, true);
      const v = head.metadata[k]!;
      const vn = lens[li++]!;
      w.head(0x12, delimited(vn)); // ListStringValue
      w.string(0x0a, v, vn);
    }
  }
  if (payload) {
    w.head(0x12, payloadSize);
    if (payload.data.length) {
      w.head(0x0a, payload.data.length);
      w.pos += payload.data.copy(w.buf, w.pos);
    }
    if (seq) {
      w.buf[w.pos++] = 0x10;
      w.varint(seq);
    }
  }
  if (w.pos !== total) throw new Error(`CallLocalStream request encoding: wrote ${w.pos} bytes, sized ${total}`);
  return w.buf;
}

// ---- decoding ----

class Reader {
  /** High 32 bits of the last varint read. */
  hi = 0;

  constructor(readonly buf: Buffer, public pos: number, readonly end: number) {}

  get more(): boolean {
    return this.pos < this.end;
  }

  /** Low 32 bits of a varint (unsigned); the high bits go to `hi`. */
  varint(): number {
    let lo = 0, hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("truncated message");
      const b = this.buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * (i - 5) + 3);
      if (b < 0x80) {
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw new Error("malformed varint");
  }

  uint64(): number {
    const lo = this.varint();
    return this.hi * 0x1_0000_0000 + lo;
  }

  /** The bounds of a length-delimited field's content; moves past it. */
  delimited(): Reader {
    const len = this.varint();
    if (this.hi !== 0 || len > this.end - this.pos) throw new Error("truncated message");
    const sub = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return sub;
  }

  string(): string {
    const r = this.delimited();
    return this.buf.toString("utf8", r.pos, r.end);
  }

  bytes(): Buffer {
    const r = this.delimited();
    return this.buf.subarray(r.pos, r.end);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); return;
      case 1: this.advance(8); return;
      case 2: this.delimited(); return;
      case 5: this.advance(4); return;
      default: throw new Error(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new Error("truncated message");
    this.pos += n;
  }
}

/** One InternalInvokeResponseStream. Throws on bytes that are not one. */
export function decodeResponseMessage(buf: Buffer): DecodedResponseMessage {
  const r = new Reader(buf, 0, buf.length);
  const out: DecodedResponseMessage = {};
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x0a) out.response = readResponse(r.delimited());
    else if (tag === 0x12) out.payload = readPayload(r.delimited());
    else r.skip(tag & 7);
  }
  return out;
}

function readResponse(r: Reader): NonNullable<DecodedResponseMessage["response"]> {
  // No status at all reads as 200, as the HTTP answer it stands for.
  let status = 200;
  let contentType = "";
  const headers: Record<string, string> = {};
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x0a) status = readStatusCode(r.delimited());
    else if (tag === 0x12) readHeader(r.delimited(), headers);
    else if (tag === 0x22) contentType = readContentType(r.delimited());
    else r.skip(tag & 7);
  }
  return { status, headers, contentType };
}

function readStatusCode(r: Reader): number {
  let code = 0;
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x08) code = r.varint() | 0; // int32: the low 32 bits, signed
    else r.skip(tag & 7);
  }
  return code;
}

/** A map<string, ListStringValue> entry, its values joined into one header value. */
function readHeader(r: Reader, into: Record<string, string>): void {
  let key = "";
  let value = "";
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x0a) key = r.string();
    else if (tag === 0x12) {
      const list = r.delimited();
      value = "";
      let first = true;
      while (list.more) {
        const t = list.varint();
        if (t !== 0x0a) {
          list.skip(t & 7);
          continue;
        }
        const v = list.string();
        value = first ? v : `${value}, ${v}`;
        first = false;
      }
    } else r.skip(tag & 7);
  }
  // "__proto__" as a key would set the record's prototype instead of a header.
  if (key !== "__proto__") into[key] = value;
}

function readContentType(r: Reader): string {
  let contentType = "";
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x12) contentType = r.string();
    else r.skip(tag & 7);
  }
  return contentType;
}

function readPayload(r: Reader): StreamPayload {
  let data: Buffer = EMPTY;
  let seq = 0;
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x0a) data = r.bytes();
    else if (tag === 0x10) seq = r.uint64();
    else r.skip(tag & 7);
  }
  return { data, seq };
}

const EMPTY = Buffer.alloc(0);
