// gRPC's length-prefixed message framing over HTTP/2 DATA frames: one byte
// "compressed" flag, a 4-byte big-endian length, then the message. HTTP/2 may
// split or join messages arbitrarily across chunks, so the reader keeps the
// unfinished message's pieces between chunks and joins them once it is whole.
// The same framing carries invocations straight over TCP between dapr-ts
// sidecars, where the flag byte tells a message from a stream's end
// (building-blocks/invoke/call-local-frames-wire.ts): a reader made with
// other accepted flags keeps each message's flag in `flags`.

/** Prefixes one serialized message with its gRPC frame header (uncompressed). */
export function frameMessage(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

export class FrameReader {
  /** A frame header split across chunks (allocated the first time that happens: most calls never need it). */
  private header: Buffer | undefined;
  private headerBytes = 0;
  /** The pieces of a message split across chunks, joined once when it is whole (not at every chunk). */
  private pieces: Buffer[] = [];
  private have = 0;
  private need = -1; // the length of the message being collected; -1: none
  private flag = 0; // the flag of the message being collected
  /** The flag of each message the last push() returned, in order (kept only when flags other than 0 are accepted). */
  readonly flags: number[] = [];

  /** `acceptsFlag`: the flags a peer may send (gRPC: 0 only, as compression is never negotiated). */
  constructor(private readonly maxMessageBytes = Number.MAX_SAFE_INTEGER, private readonly acceptsFlag?: (flag: number) => boolean) {}

  /** Adds a chunk; returns the messages it completed, in order. Throws on a frame it cannot read. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.acceptsFlag) this.flags.length = 0;
    let off = 0;
    while (off < chunk.length) {
      if (this.need >= 0) {
        const n = Math.min(this.need - this.have, chunk.length - off);
        this.pieces.push(chunk.subarray(off, off + n));
        this.have += n;
        off += n;
        if (this.have === this.need) {
          this.emitted(out, this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.have));
          this.pieces = [];
          this.have = 0;
          this.need = -1;
        }
        continue;
      }
      if (this.headerBytes === 0 && chunk.length - off >= 5) {
        const len = this.messageLength(chunk, off);
        off += 5;
        // The usual case: the whole message is in this chunk, handed on without a copy.
        if (chunk.length - off >= len) {
          this.emitted(out, chunk.subarray(off, off + len));
          off += len;
        } else this.need = len;
        continue;
      }
      const n = Math.min(5 - this.headerBytes, chunk.length - off);
      const header = (this.header ??= Buffer.alloc(5));
      chunk.copy(header, this.headerBytes, off, off + n);
      this.headerBytes += n;
      off += n;
      if (this.headerBytes === 5) {
        this.headerBytes = 0;
        const len = this.messageLength(header, 0);
        if (len === 0) this.emitted(out, Buffer.alloc(0));
        else this.need = len;
      }
    }
    return out;
  }

  /** True when a message has started but not finished (the stream ended mid-message). */
  get midMessage(): boolean {
    return this.headerBytes > 0 || this.need >= 0;
  }

  private emitted(out: Buffer[], message: Buffer): void {
    out.push(message);
    if (this.acceptsFlag) this.flags.push(this.flag);
  }

  private messageLength(buf: Buffer, off: number): number {
    const flag = buf[off]!;
    if (this.acceptsFlag) {
      if (!this.acceptsFlag(flag)) throw new Error(`frame with flag ${flag}, which this connection does not use`);
      this.flag = flag;
    } else if (flag !== 0) {
      // We never ask for compression (no grpc-accept-encoding), so a compressed frame is a peer error.
      throw new Error(`gRPC frame with compression flag ${flag} (not negotiated)`);
    }
    const len = buf.readUInt32BE(off + 1);
    if (len > this.maxMessageBytes) throw new Error(`gRPC message of ${len} bytes exceeds the limit of ${this.maxMessageBytes}`);
    return len;
  }
}
