// gRPC's length-prefixed message framing over HTTP/2 DATA frames: one byte
// "compressed" flag, a 4-byte big-endian length, then the message. HTTP/2 may
// split or join messages arbitrarily across chunks, so the reader keeps the
// unfinished tail between chunks.

/** Prefixes one serialized message with its gRPC frame header (uncompressed). */
export function frameMessage(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxMessageBytes = Number.MAX_SAFE_INTEGER) {}

  /** Adds a chunk; returns the messages it completed, in order. Throws on a frame it cannot read. */
  push(chunk: Buffer): Buffer[] {
    let buf: Buffer;
    if (this.pendingBytes === 0) buf = chunk;
    else {
      this.pending.push(chunk);
      buf = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const out: Buffer[] = [];
    let off = 0;
    while (buf.length - off >= 5) {
      // We never ask for compression (no grpc-accept-encoding), so a compressed frame is a peer error.
      if (buf[off] !== 0) throw new Error(`gRPC frame with compression flag ${buf[off]} (not negotiated)`);
      const len = buf.readUInt32BE(off + 1);
      if (len > this.maxMessageBytes) throw new Error(`gRPC message of ${len} bytes exceeds the limit of ${this.maxMessageBytes}`);
      if (buf.length - off - 5 < len) break;
      out.push(buf.subarray(off + 5, off + 5 + len));
      off += 5 + len;
    }
    if (off < buf.length) {
      this.pending.push(buf.subarray(off));
      this.pendingBytes = buf.length - off;
    }
    return out;
  }

  /** True when a message has started but not finished (the stream ended mid-message). */
  get midMessage(): boolean {
    return this.pendingBytes > 0;
  }
}
