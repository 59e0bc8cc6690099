// Calls other sidecars' internal gRPC port (dapr.proto.internals.v1.ServiceInvocation).
// One channel per address, kept open and reused.
import * as grpc from "@grpc/grpc-js";
import { daprProto, lookup } from "../../api/grpc/protos.js";

type Client = grpc.Client & Record<string, Function>;

export class InternalClients {
  private readonly clients = new Map<string, Client>();

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

  unary<T>(address: string, method: string, req: unknown, opts: { deadline?: number; signal?: AbortSignal } = {}): Promise<T> {
    const client = this.get(address);
    const signal = opts.signal;
    return new Promise<T>((resolve, reject) => {
      // The listener must go when the call ends: a long-lived signal would otherwise collect one per call.
      const onAbort = () => call.cancel();
      const call = client[method]!(req, new grpc.Metadata(), opts.deadline ? { deadline: opts.deadline } : {}, (err: grpc.ServiceError | null, res: T) => {
        signal?.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve(res);
      }) as grpc.ClientUnaryCall;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/** `map<string, ListStringValue>` <-> plain headers. */
export function toListMap(h: Record<string, string>): Record<string, { values: string[] }> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, { values: [v] }]));
}

export function fromListMap(m: Record<string, { values: string[] }> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, (v?.values ?? []).join(", ")]));
}
