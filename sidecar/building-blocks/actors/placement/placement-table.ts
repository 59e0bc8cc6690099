// The placement table: for each actor type, a hash ring over the members that
// host it. Rebuilt whenever membership changes; lookups are local and cheap.
import { HashRing } from "../hash-ring.js";
import type { HostInfo } from "./membership.js";

export class PlacementTable {
  private readonly rings = new Map<string, HashRing>();
  private readonly byId = new Map<string, HostInfo>();

  constructor(readonly version: number, hosts: readonly HostInfo[]) {
    const perType = new Map<string, string[]>();
    for (const h of hosts) {
      this.byId.set(h.id, h);
      for (const t of h.entities) {
        const list = perType.get(t) ?? [];
        list.push(h.id);
        perType.set(t, list);
      }
    }
    for (const [t, ids] of perType) this.rings.set(t, new HashRing(ids));
  }

  /** The host that should run `type/id`; undefined when no member hosts the type. */
  lookup(type: string, id: string): HostInfo | undefined {
    const owner = this.rings.get(type)?.lookup(id);
    return owner === undefined ? undefined : this.byId.get(owner);
  }

  host(id: string): HostInfo | undefined {
    return this.byId.get(id);
  }

  hostsType(type: string): boolean {
    return this.rings.has(type);
  }
}
