// CallLocalStream's wire format, written out by hand, both sides: the caller
// writes InternalInvokeRequestStream and reads InternalInvokeResponseStream,
// the callee the reverse (dapr/proto/internals/v1/service_invocation.proto). Why not protobufjs: its
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
// call-local-stream-codec.test.ts checks all four directions against
// protobufjs's reading of the same .proto.
import { RecentNames, type SliceableBuffer } from "../../util/recent-names.js";
import type { StreamPayload } from "./stream-payloads.js";

/** HTTPExtension.Verb; a verb not listed travels as NONE (0), as protobufjs's fromObject leaves it. */
const VERBS: Record<string, number> = { GET: 1, HEAD: 2, POST: 3, PUT: 4, DELETE: 5, CONNECT: 6, OPTIONS: 7, TRACE: 8, PATCH: 9 };

export interface StreamRequestHead {
  method: string;
  contentType: string;
  /** Upper-case HTTP verb ("NONE", or any verb not listed, when read: the callee takes it as POST). */
  verb: string;
  query: string;
  metadata: Record<string, string>;
}

/** The head of a callee's answer (InternalInvokeResponse): the HTTP status, its message, headers and content type. */
export interface StreamResponseHead {
  status: number;
  message: string;
  headers: Record<string, string>;
  contentType: string;
}

export interface DecodedRequestMessage {
  request?: StreamRequestHead;
  payload?: StreamPayload;
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
    if (bytes === s.length && bytes <= SHORT_STRING) {
      // ASCII (as long in UTF-8 as in UTF-16 code units): copied here.
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < bytes; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
      return;
    }
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** An int32 value; a negative one as its 64-bit two's complement, as protobuf writes it. */
  int32(n: number): void {
    if (n >= 0) return this.varint(n);
    let lo = n >>> 0;
    for (let i = 0; i < 4; i++) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // Bits 28-31 of the value, then the sign extension (all ones) up to bit 63.
    this.buf[this.pos++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = 0xff;
    this.buf[this.pos++] = 0x01;
  }
}

/**
 * ASCII strings up to this many characters are written in JS: header names and values,
 * methods and content types are, and buf.write (a call into C++ per string) cost about
 * 2.5 times the loop for them. (Measuring stays with Buffer.byteLength, a fast call.)
 */
const SHORT_STRING = 64;

/** The sizing pass of an encoding: each string's UTF-8 length, remembered in order for the writing pass. */
function stringSizer(): { lens: number[]; str(s: string, alwaysWritten?: boolean): number } {
  const lens: number[] = [];
  return {
    lens,
    str: (s, alwaysWritten = false) => {
      const n = Buffer.byteLength(s);
      lens.push(n);
      return n || alwaysWritten ? delimited(n) : 0;
    },
  };
}

/** The size of a StreamPayload's fields (data, seq), both left out when empty / zero. */
function payloadFieldSize(payload: StreamPayload | undefined): { seq: number; size: number } {
  const seq = payload ? Number(payload.seq) : 0;
  return { seq, size: payload ? (payload.data.length ? delimited(payload.data.length) : 0) + (seq ? 1 + varintSize(seq) : 0) : 0 };
}

/** The payload field (2) of either stream message. */
function writePayload(w: Writer, payload: StreamPayload, size: number, seq: number): void {
  w.head(0x12, size);
  if (payload.data.length) {
    w.head(0x0a, payload.data.length);
    w.pos += payload.data.copy(w.buf, w.pos);
  }
  if (seq) {
    w.buf[w.pos++] = 0x10;
    w.varint(seq);
  }
}

/**
 * One InternalInvokeRequestStream: the request head (first message only), a
 * payload chunk, or both. Empty strings are left out (proto3 defaults); a
 * payload is always written, even an empty one, so the message says it carries one.
 */
export function encodeRequestMessage(head: StreamRequestHead | undefined, payload: StreamPayload | undefined): Buffer {
  return encodeRequest(head, payload, 0);
}

/**
 * The same message, already framed for the wire (the 5-byte gRPC message
 * prefix first): one buffer and one copy of the payload, where encoding then
 * framing would copy it twice. `trailer`: bytes to follow the frame in the
 * same buffer (the framed transport's END frame after a call's last message).
 */
export function encodeRequestFrame(head: StreamRequestHead | undefined, payload: StreamPayload | undefined, trailer?: Buffer): Buffer {
  return encodeRequest(head, payload, 5, trailer);
}

/** `prefix`: 0 for the bare message, 5 for a gRPC frame (the header written first). */
function encodeRequest(head: StreamRequestHead | undefined, payload: StreamPayload | undefined, prefix: 0 | 5, trailer?: Buffer): Buffer {
  // Sizing pass: every string's UTF-8 length, in the order the writing pass uses them.
  const { lens, str } = stringSizer();
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
  const { seq, size: payloadSize } = payloadFieldSize(payload);
  const total = (head ? delimited(requestSize) : 0) + (payload ? delimited(payloadSize) : 0);

  const w = new Writer(Buffer.allocUnsafe(prefix + total + (trailer?.length ?? 0)));
  if (prefix) {
    w.buf[0] = 0; // not compressed
    w.buf.writeUInt32BE(total, 1);
    w.pos = prefix;
  }
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
  if (payload) writePayload(w, payload, payloadSize, seq);
  if (w.pos !== prefix + total) throw new Error(`CallLocalStream request encoding: wrote ${w.pos - prefix} bytes, sized ${total}`);
  trailer?.copy(w.buf, w.pos);
  return w.buf;
}

/**
 * One InternalInvokeResponseStream, already framed for the wire (the 5-byte
 * gRPC message prefix first: one buffer and one copy of the payload, where
 * encoding then framing would copy it twice). The response's status and
 * message are always written, as protobufjs writes sub-messages it is given.
 * `trailer`: bytes to follow the frame in the same buffer (the framed
 * transport's END frame after a call's last message: one write for both).
 */
export function encodeResponseFrame(response: StreamResponseHead | undefined, payload: StreamPayload | undefined, trailer?: Buffer): Buffer {
  const { lens, str } = stringSizer();
  let responseSize = 0, statusSize = 0, invokeSize = 0;
  const entrySizes: number[] = [];
  if (response) {
    const code = response.status;
    statusSize = (code ? 1 + int32Size(code) : 0) + str(response.message);
    for (const k in response.headers) {
      const entry = str(k, true) + delimited(str(response.headers[k]!, true));
      entrySizes.push(entry);
      responseSize += delimited(entry);
    }
    invokeSize = str(response.contentType);
    responseSize += delimited(statusSize) + delimited(invokeSize);
  }
  const { seq, size: payloadSize } = payloadFieldSize(payload);
  const total = (response ? delimited(responseSize) : 0) + (payload ? delimited(payloadSize) : 0);

  const w = new Writer(Buffer.allocUnsafe(5 + total + (trailer?.length ?? 0)));
  w.buf[0] = 0; // not compressed
  w.buf.writeUInt32BE(total, 1);
  w.pos = 5;
  let li = 0;
  if (response) {
    // Same order as the sizing pass: status message, header names and values, content type.
    w.head(0x0a, responseSize); // response
    w.head(0x0a, statusSize); // status
    if (response.status) {
      w.buf[w.pos++] = 0x08;
      w.int32(response.status);
    }
    const mn = lens[li++]!;
    if (mn) w.string(0x12, response.message, mn);
    let ei = 0;
    for (const k in response.headers) {
      w.head(0x12, entrySizes[ei++]!); // headers entry
      w.string(0x0a, k, lens[li++]!);
      const vn = lens[li++]!;
      w.head(0x12, delimited(vn)); // ListStringValue
      w.string(0x0a, response.headers[k]!, vn);
    }
    w.head(0x22, invokeSize); // message (InvokeResponse)
    const cn = lens[li++]!;
    if (cn) w.string(0x12, response.contentType, cn);
  }
  if (payload) writePayload(w, payload, payloadSize, seq);
  if (w.pos !== 5 + total) throw new Error(`CallLocalStream response encoding: wrote ${w.pos - 5} bytes, sized ${total}`);
  trailer?.copy(w.buf, w.pos);
  return w.buf;
}

/** An int32 field's varint size: a negative value is sign-extended to ten bytes. */
const int32Size = (n: number) => (n < 0 ? 10 : varintSize(n));

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

  /** A length-delimited field's bounds as [start, end); moves past it (no sub-reader to allocate). */
  private span(): number {
    const len = this.varint();
    if (this.hi !== 0 || len > this.end - this.pos) throw new Error("truncated message");
    const start = this.pos;
    this.pos += len;
    return start;
  }

  string(): string {
    const start = this.span();
    // utf8Slice is what toString("utf8", ...) calls, without its argument handling (measurable per string here).
    return start === this.pos ? "" : (this.buf as SliceableBuffer).utf8Slice(start, this.pos);
  }

  /** A string field that holds a header name (recentNames: names repeat from call to call). */
  name(): string {
    const start = this.span();
    return start === this.pos ? "" : recentNames.read(this.buf, start, this.pos);
  }

  bytes(): Buffer {
    const start = this.span();
    return this.buf.subarray(start, this.pos);
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

/** HTTPExtension.Verb numbers to names; NONE (0) and numbers not listed read as "NONE". */
const VERB_NAMES: string[] = ["NONE"];
for (const name in VERBS) VERB_NAMES[VERBS[name]!] = name;

/**
 * Both stream messages share one shape: field 1 the head (request or response),
 * field 2 a payload chunk. Throws on bytes that are not such a message.
 */
function decodeStreamMessage<H>(buf: Buffer, readHead: (r: Reader) => H): { head?: H; payload?: StreamPayload } {
  const r = new Reader(buf, 0, buf.length);
  const out: { head?: H; payload?: StreamPayload } = {};
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x0a) out.head = readHead(r.delimited());
    else if (tag === 0x12) out.payload = readPayload(r.delimited());
    else r.skip(tag & 7);
  }
  return out;
}

/** One InternalInvokeRequestStream. Throws on bytes that are not one. */
export function decodeRequestMessage(buf: Buffer): DecodedRequestMessage {
  const { head, payload } = decodeStreamMessage(buf, readRequest);
  const out: DecodedRequestMessage = {};
  if (head) out.request = head;
  if (payload) out.payload = payload;
  return out;
}

function readRequest(r: Reader): StreamRequestHead {
  const head: StreamRequestHead = { method: "", contentType: "", verb: "NONE", query: "", metadata: {} };
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x12) readHeader(r.delimited(), head.metadata);
    else if (tag === 0x1a) readInvokeRequest(r.delimited(), head);
    else r.skip(tag & 7); // ver, and anything newer
  }
  return head;
}

/** common.v1.InvokeRequest: method, content type and HTTP extension (its `data` Any is not used on this RPC). */
function readInvokeRequest(r: Reader, into: StreamRequestHead): void {
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x0a) into.method = r.string();
    else if (tag === 0x1a) into.contentType = r.string();
    else if (tag === 0x22) {
      const ext = r.delimited();
      while (ext.more) {
        const t = ext.varint();
        if (t === 0x08) into.verb = VERB_NAMES[ext.varint()] ?? "NONE";
        else if (t === 0x12) into.query = ext.string();
        else ext.skip(t & 7);
      }
    } else r.skip(tag & 7);
  }
}

/** One InternalInvokeResponseStream. Throws on bytes that are not one. */
export function decodeResponseMessage(buf: Buffer): DecodedResponseMessage {
  const { head, payload } = decodeStreamMessage(buf, readResponse);
  const out: DecodedResponseMessage = {};
  if (head) out.response = head;
  if (payload) out.payload = payload;
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

const recentNames = new RecentNames(32, (buf, start, end) => (buf as SliceableBuffer).utf8Slice(start, end));

/** A map<string, ListStringValue> entry, its values joined into one header value. */
function readHeader(r: Reader, into: Record<string, string>): void {
  let key = "";
  let value = "";
  while (r.more) {
    const tag = r.varint();
    if (tag === 0x0a) key = r.name();
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
