// Calls other sidecars' internal gRPC port (dapr.proto.internals.v1.ServiceInvocation).
// One channel per address, kept open and reused. Invocation's own calls
// (CallLocal, CallLocalStream) go over the lean HTTP/2 channel
// (api/grpc/h2/): they are the hottest outbound hop. `get()` gives a grpc-js
// client for everything else (e.g. proxying arbitrary gRPC methods).
import * as grpc from "@grpc/grpc-js";
import { H2GrpcChannel } from "../../api/grpc/h2/grpc-channel.js";
import { daprProto, lookup, serviceByName } from "../../api/grpc/protos.js";
import { FramesChannel } from "./call-local-frames-client.js";

const serviceName = "dapr.proto.internals.v1.ServiceInvocation";

type Client = grpc.Client & Record<string, Function>;

/** What this sidecar uses to reach one other sidecar's internal port. */
export interface Peer {
  readonly host: string;
  readonly port: number;
  /** gRPC, which every sidecar (Dapr's too) serves there. */
  readonly h2: H2GrpcChannel;
  /** Framed calls, once that sidecar said it takes them (call-local-frames-wire.ts). */
  frames: FramesChannel | undefined;
}

export class InternalClients {
  private readonly clients = new Map<string, Client>();
  private readonly channels = new Map<string, H2GrpcChannel>();
  /** Peers by host, then port: a lookup per call without building the address string. */
  private readonly byHost = new Map<string, Map<number, Peer>>();
  private closed = false;

  /** The lean channel to the sidecar at `address` (host:port). */
  channel(address: string): H2GrpcChannel {
    let c = this.channels.get(address);
    if (!c) {
      c = new H2GrpcChannel(address);
      this.channels.set(address, c);
    }
    return c;
  }

  /** The sidecar at host:port, for the per-call path (its gRPC channel is channel(`${host}:${port}`)). */
  peerAt(host: string, port: number): Peer {
    let ports = this.byHost.get(host);
    if (!ports) {
      ports = new Map();
      this.byHost.set(host, ports);
    }
    let p = ports.get(port);
    if (!p) {
      p = { host, port, h2: this.channel(`${host}:${port}`), frames: undefined };
      ports.set(port, p);
    }
    return p;
  }

  /** `peer` said it takes framed calls: they go that way from now on. True when this call made the switch. */
  useFrames(peer: Peer): boolean {
    if (peer.frames || this.closed) return false;
    peer.frames = new FramesChannel(peer.host, peer.port);
    return true;
  }

  /**
   * Back to gRPC for `peer` (a framed connection failed: another sidecar may answer there now), until it
   * says again that it takes framed calls. Calls already under way finish where they are.
   * True when this call forgot it (false when another already had).
   */
  forgetFrames(peer: Peer): boolean {
    const channel = peer.frames;
    if (!channel) return false;
    peer.frames = undefined;
    channel.close();
    return true;
  }

  get(address: string): Client {
    let c = this.clients.get(address);
    if (!c) {
      const Ctor = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.internals.v1.ServiceInvocation");
      c = new Ctor(address, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": -1,
        "grpc.max_send_message_length": -1,
      }) as unknown as Client;
      this.clients.set(address, c);
    }
    return c;
  }

  /** A unary ServiceInvocation RPC (plain objects in and out, as grpc-js clients take them). */
  async unary<T>(address: string, method: string, req: unknown, opts: { deadline?: number; signal?: AbortSignal } = {}): Promise<T> {
    const def = serviceByName(serviceName)[method];
    if (!def) throw new Error(`${serviceName} has no method ${method}`);
    const bytes = await this.channel(address).unary(def.path, def.requestSerialize(req), opts);
    return def.responseDeserialize(bytes) as T;
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    for (const c of this.channels.values()) c.close();
    this.channels.clear();
    for (const ports of this.byHost.values()) for (const p of ports.values()) p.frames?.close();
    this.byHost.clear();
  }
}

/** `map<string, ListStringValue>` <-> plain headers. (Plain loops: these run for every call.) */
export function toListMap(h: Record<string, string>): Record<string, { values: string[] }> {
  const out: Record<string, { values: string[] }> = {};
  for (const k in h) if (k !== "__proto__") out[k] = { values: [h[k]!] };
  return out;
}

export function fromListMap(m: Record<string, { values: string[] }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in m) {
    if (k === "__proto__") continue;
    const values = m[k]?.values;
    out[k] = !values ? "" : values.length === 1 ? values[0]! : values.join(", ");
  }
  return out;
}
