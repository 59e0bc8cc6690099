// How a sidecar finds another app's sidecar (its internal gRPC port) by app id.
// Pluggable: zero-configuration on one machine, a shared backend for several
// machines, Kubernetes DNS in a cluster.

export interface ResolvedAddress {
  host: string;
  port: number;
}

export interface NameResolver {
  /** The internal gRPC address of a sidecar of `appId` in `namespace`; rejects with a clear message when none is known. */
  resolve(appId: string, namespace: string): Promise<ResolvedAddress>;
  /**
   * The address at once when the resolver already knows it (cached, or worked
   * out without I/O); undefined means "ask resolve()". Invocation asks this
   * first: most calls go to an address known already, and then need not wait.
   */
  resolveCached?(appId: string, namespace: string): ResolvedAddress | undefined;
  /** Announces this sidecar (standalone resolvers); a no-op where the platform does it. */
  register?(entry: { appId: string; namespace: string; host: string; internalPort: number; httpPort: number; grpcPort: number; appPort?: number; pid: number }): Promise<void>;
  /** Drops cached addresses, e.g. after a call to one of them failed. */
  invalidate?(): void;
  close?(): Promise<void>;
}

export class AppNotFoundError extends Error {
  constructor(readonly appId: string, why: string) {
    super(`failed to resolve address for '${appId}': ${why}`);
    this.name = "AppNotFoundError";
  }
}
