// Trace and span ids for every invocation. crypto.randomBytes is a system call
// per use; ids come instead from a block of random bytes drawn once per 256
// ids or so (still cryptographically random, as W3C trace context asks).
import { randomFillSync } from "node:crypto";

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}
