// Name resolution in a Kubernetes cluster: every Dapr-enabled Deployment gets
// a `<app-id>-dapr` Service (made by the injector/operator), so the peer
// sidecar is `<app-id>-dapr.<namespace>.svc.<cluster-domain>` on the internal
// gRPC port. A target written `app-id.namespace` reaches another namespace,
// as in Dapr. Cluster DNS does the rest; tests outside a cluster pass `hosts`
// to map those DNS names to local addresses.
import { readFileSync, statSync } from "node:fs";
import { AppNotFoundError, type NameResolver, type ResolvedAddress } from "./name-resolver.js";

export interface KubernetesResolverOptions {
  /** The cluster's DNS domain (Dapr's kubernetes resolver: `clusterDomain`, default cluster.local). */
  clusterDomain?: string;
  /** The sidecars' internal gRPC port (daprd's default in Kubernetes: 50002). */
  internalPort?: number;
  /**
   * Test hook: maps a Service DNS name and port to the address that serves it
   * (a test kubelet's loopback address). Names it does not know fall through to DNS.
   */
  hosts?: (dnsName: string, port: number) => ResolvedAddress | undefined;
}

// An app id is a DNS label (the Service name is built from it).
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Splits `app-id` or `app-id.namespace` as Dapr does; more than one dot is an error. */
export function splitTarget(target: string, ownNamespace: string): { appId: string; namespace: string } {
  const parts = target.split(".");
  if (parts.length > 2) throw new AppNotFoundError(target, "expected 'app-id' or 'app-id.namespace'");
  const [appId, namespace = ownNamespace] = parts as [string, string?];
  if (!dnsLabel.test(appId)) throw new AppNotFoundError(target, `app id '${appId}' is not a valid DNS label`);
  if (!dnsLabel.test(namespace)) throw new AppNotFoundError(target, `namespace '${namespace}' is not a valid DNS label`);
  return { appId, namespace };
}

export class KubernetesNameResolver implements NameResolver {
  private readonly clusterDomain: string;
  private readonly internalPort: number;

  constructor(private readonly opts: KubernetesResolverOptions = {}) {
    this.clusterDomain = opts.clusterDomain ?? "cluster.local";
    this.internalPort = opts.internalPort ?? 50002;
  }

  /** The DNS name of the `<app-id>-dapr` Service. */
  serviceName(appId: string, namespace: string): string {
    return `${appId}-dapr.${namespace}.svc.${this.clusterDomain}`;
  }

  async resolve(target: string, namespace: string): Promise<ResolvedAddress> {
    return this.lookup(target, namespace);
  }

  /** Worked out without I/O (the Service's DNS name): known at once unless the target is invalid. */
  resolveCached(target: string, namespace: string): ResolvedAddress | undefined {
    try {
      return this.lookup(target, namespace);
    } catch {
      return undefined; // resolve() gives the error
    }
  }

  private lookup(target: string, namespace: string): ResolvedAddress {
    const { appId, namespace: ns } = splitTarget(target, namespace);
    const dnsName = this.serviceName(appId, ns);
    return this.opts.hosts?.(dnsName, this.internalPort) ?? { host: dnsName, port: this.internalPort };
  }
}

/**
 * A `hosts` mapping from text, for processes started by tests (e.g. a test
 * kubelet giving each pod its own loopback address):
 * `orders-dapr.default.svc.cluster.local=127.0.0.2:50002,inventory-dapr.default.svc.cluster.local=127.0.0.3:50002`.
 * Throws naming the bad entry.
 */
export function hostMapFrom(spec: string): (dnsName: string) => ResolvedAddress | undefined {
  const table = new Map<string, ResolvedAddress>();
  for (const entry of spec.split(",").map((e) => e.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port < 1 || port > 65535) throw new Error(`invalid host mapping '${entry}': expected <dns-name>=<host>:<port>`);
    table.set(m[1]!, { host: m[2]!.replace(/^\[(.*)\]$/, "$1"), port });
  }
  return (dnsName) => table.get(dnsName);
}

/**
 * A `hosts` mapping kept in a file, for a sidecar started by a test kubelet
 * (env DAPR_TS_K8S_HOSTS_FILE): JSON `{"<dns-name>:<port>": "<host>:<port>"}`,
 * read again whenever it changes, so pods that start later are found. A missing
 * or unreadable file maps nothing (as if DNS had no answer yet).
 */
export function hostsFileLookup(file: string): (dnsName: string, port: number) => ResolvedAddress | undefined {
  let seen = "";
  let table: Record<string, string> = {};
  return (dnsName, port) => {
    try {
      // Inode too: a table renamed into place within the same millisecond has a new one.
      const st = statSync(file);
      const version = `${st.ino}:${st.mtimeMs}:${st.size}`;
      if (version !== seen) {
        table = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
        seen = version;
      }
    } catch {
      return undefined;
    }
    const mapped = table[`${dnsName}:${port}`];
    const at = mapped?.lastIndexOf(":") ?? -1;
    if (!mapped || at < 0) return undefined;
    return { host: mapped.slice(0, at).replace(/^\[(.*)\]$/, "$1"), port: Number(mapped.slice(at + 1)) };
  };
}
