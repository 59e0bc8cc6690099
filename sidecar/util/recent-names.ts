// Header names decoded once and then recognised by their bytes. The same few
// names arrive on every call (content-type, traceparent, content-length, ...):
// one that matches a name read lately is that string again, with no call into
// C++ to decode it, and an already internalized string when it becomes a
// property key. Used where every invocation decodes headers from bytes.

export type NameDecoder = (buf: Buffer, start: number, end: number) => string;

export class RecentNames {
  private readonly bytes: Uint8Array[] = [];
  private readonly names: string[] = [];
  /** Where the next lookup starts: names come in the same order call after call. */
  private hint = 0;

  /**
   * `size` names are kept (the oldest in turn gives way); `decode` turns bytes into a name the
   * first time. Names longer than `maxBytes` (rare) are decoded every time and not kept.
   */
  constructor(private readonly size: number, private readonly decode: NameDecoder, private readonly maxBytes = 64) {}

  /** The name in `buf[start, end)`. */
  read(buf: Buffer, start: number, end: number): string {
    const len = end - start;
    if (len > this.maxBytes) return this.decode(buf, start, end);
    const n = this.names.length;
    for (let k = 0; k < n; k++) {
      const i = (this.hint + k) % n;
      const b = this.bytes[i]!;
      if (b.length !== len) continue;
      let j = 0;
      while (j < len && b[j] === buf[start + j]) j++;
      if (j === len) {
        this.hint = i + 1;
        return this.names[i]!;
      }
    }
    const name = this.decode(buf, start, end);
    const at = n < this.size ? n : this.hint % n;
    // A copy of its own (not a slice of Buffer's shared pool, which it would keep alive).
    this.bytes[at] = new Uint8Array(buf.subarray(start, end));
    this.names[at] = name;
    this.hint = at + 1;
    return name;
  }
}

/** Node's Buffer methods behind toString("utf8" | "latin1", start, end), without its argument handling. */
export type SliceableBuffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };
