// The process-wide bus behind `pubsub.in-memory`. Every consumer group of a
// topic gets every message; the members of one group share them round-robin,
// one message at a time per member by default (so a single-member group sees publish
// order; `concurrency` > 1 lifts that). A nacked message goes back to its group after `redeliverMs`.
// Buses are keyed by component name, so two sidecars in one test process that
// load the same component talk to each other, and unrelated components don't.
import type { Message, MessageHandler } from "../pubsub.js";
import { settleWithin } from "../settle.js";

interface Pending {
  msg: Message;
  /** Epoch ms after which the message is dropped instead of delivered. */
  expiresAt?: number;
}

export interface Member {
  handler: MessageHandler;
  /** Handlers of this member running now, at most `concurrency`. */
  active: number;
  concurrency: number;
  closed: boolean;
  inflight: Set<Promise<void>>;
}

class Group {
  readonly queue: Pending[] = [];
  readonly members: Member[] = [];
  next = 0;
}

export class InMemoryBus {
  /** topic -> consumer group -> group */
  private readonly topics = new Map<string, Map<string, Group>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly redeliverMs: number) {}

  publish(msg: Message, expiresAt?: number): void {
    const groups = this.topics.get(msg.topic);
    if (!groups) return; // nobody has ever subscribed: the message has no destination, as on a broker
    for (const g of groups.values()) {
      // Each group gets its own copy so handlers can't see each other's mutations.
      g.queue.push({ msg: { ...msg, data: Buffer.from(msg.data), metadata: { ...msg.metadata } }, expiresAt });
      this.dispatch(g);
    }
  }

  join(topic: string, group: string, handler: MessageHandler, concurrency = 1): Member {
    let groups = this.topics.get(topic);
    if (!groups) this.topics.set(topic, (groups = new Map()));
    let g = groups.get(group);
    if (!g) groups.set(group, (g = new Group()));
    const member: Member = { handler, active: 0, concurrency, closed: false, inflight: new Set() };
    g.members.push(member);
    this.dispatch(g);
    return member;
  }

  async leave(topic: string, group: string, member: Member): Promise<void> {
    member.closed = true;
    const g = this.topics.get(topic)?.get(group);
    if (g) {
      const i = g.members.indexOf(member);
      if (i >= 0) g.members.splice(i, 1);
    }
    await settleWithin(member.inflight);
  }

  private dispatch(g: Group): void {
    while (g.queue.length > 0) {
      const member = this.idleMember(g);
      if (!member) return;
      const pending = g.queue.shift()!;
      if (pending.expiresAt !== undefined && Date.now() >= pending.expiresAt) continue;
      member.active++;
      const p = this.deliver(g, member, pending);
      member.inflight.add(p);
      void p.finally(() => member.inflight.delete(p));
    }
  }

  private idleMember(g: Group): Member | undefined {
    for (let i = 0; i < g.members.length; i++) {
      const m = g.members[(g.next + i) % g.members.length]!;
      if (m.active < m.concurrency && !m.closed) {
        g.next = (g.next + i + 1) % g.members.length;
        return m;
      }
    }
    return undefined;
  }

  private async deliver(g: Group, member: Member, pending: Pending): Promise<void> {
    let ok = true;
    try {
      await member.handler(pending.msg);
    } catch {
      ok = false;
    }
    member.active--;
    if (!ok) this.requeueLater(g, pending);
    this.dispatch(g);
  }

  private requeueLater(g: Group, pending: Pending): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      g.queue.push(pending);
      this.dispatch(g);
    }, this.redeliverMs);
    t.unref();
    this.timers.add(t);
  }
}

const buses = new Map<string, InMemoryBus>();

/** The bus shared by every instance of the component called `name` in this process. */
export function busFor(name: string, redeliverMs: number): InMemoryBus {
  let bus = buses.get(name);
  if (!bus) buses.set(name, (bus = new InMemoryBus(redeliverMs)));
  return bus;
}
