// N gRPC clients to one address, each on its own HTTP/2 connection, used in
// turn: the benches' "16 connections" (Dapr's perf tests drive the sidecar
// over 16 connections). grpc-js would otherwise share one connection between
// clients with the same target and options (its global subchannel pool).
import * as grpc from "@grpc/grpc-js";

export interface GrpcConnections<C extends grpc.Client> {
  /** The next client, round robin. */
  next(): C;
  close(): void;
}

export function grpcConnections<C extends grpc.Client>(
  make: (address: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions) => C,
  address: string,
  count: number,
): GrpcConnections<C> {
  const clients = Array.from({ length: count }, () =>
    make(address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }));
  let i = 0;
  return {
    next: () => clients[i++ % clients.length]!,
    close: () => { for (const c of clients) c.close(); },
  };
}
