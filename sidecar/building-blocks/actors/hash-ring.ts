// Consistent hashing of actor ids over the hosts of one actor type, with
// virtual nodes so ids spread evenly and a host joining or leaving moves only
// about 1/N of them. Every host computes the same ring from the same member
// list, so they agree on owners without talking to each other.
import { createHash } from "node:crypto";

const VIRTUAL_NODES = 100;

function hash64(s: string): bigint {
  return createHash("sha1").update(s).digest().readBigUInt64BE(0);
}

export class HashRing {
  private readonly points: bigint[] = [];
  private readonly owners: string[] = [];

  constructor(hosts: readonly string[]) {
    const pairs: [bigint, string][] = [];
    for (const h of [...new Set(hosts)].sort()) {
      for (let i = 0; i < VIRTUAL_NODES; i++) pairs.push([hash64(`${h}#${i}`), h]);
    }
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    for (const [p, h] of pairs) {
      this.points.push(p);
      this.owners.push(h);
    }
  }

  get size(): number {
    return this.owners.length / VIRTUAL_NODES;
  }

  /** The host owning `key`, or undefined when the ring is empty. */
  lookup(key: string): string | undefined {
    if (this.points.length === 0) return undefined;
    const h = hash64(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === this.points.length ? 0 : lo];
  }
}
