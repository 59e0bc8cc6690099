// The few coordination.k8s.io/v1 Lease calls the Kubernetes placement backend
// makes, each with a deadline (an API server that stops answering must not
// hold a renewal past the point where this host has to fence itself) and with
// the outcomes placement cares about (exists, conflict, gone) as values
// rather than exceptions. Requests share one agent: client-node makes a fresh
// agent per request (a full TLS handshake each time), and every actor
// activation costs a request here; a shared agent resumes TLS sessions. It
// neither keeps connections alive nor limits them (a limit makes the agent
// hand a finished socket to a queued request): node-fetch 2, which
// client-node uses, misreads chunked responses on reused sockets ("Premature close").
import { createHash } from "node:crypto";
import https from "node:https";
import { CoordinationV1Api, Observable, type KubeConfig, type RequestContext, type ResponseContext, type V1Lease } from "@kubernetes/client-node";

export interface LeaseList {
  items: V1Lease[];
  resourceVersion: string;
}

export class LeaseApi {
  private readonly api: CoordinationV1Api;
  private shared: { key: string; agent: https.Agent } | undefined;

  constructor(kc: KubeConfig, readonly namespace: string, private readonly timeoutMs: number) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  async get(name: string): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ namespace: this.namespace, name }, this.options());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Creates the Lease; "exists" when one of that name is already there. */
  async create(body: V1Lease): Promise<V1Lease | "exists"> {
    try {
      return await this.api.createNamespacedLease({ namespace: this.namespace, body }, this.options());
    } catch (err) {
      if (statusOf(err) === 409) return "exists";
      throw err;
    }
  }

  /** Replaces the Lease guarded by `body.metadata.resourceVersion`: "conflict" when it changed, "gone" when deleted. */
  async replace(body: V1Lease): Promise<V1Lease | "conflict" | "gone"> {
    try {
      return await this.api.replaceNamespacedLease({ namespace: this.namespace, name: body.metadata!.name!, body }, this.options());
    } catch (err) {
      const status = statusOf(err);
      if (status === 409) return "conflict";
      if (status === 404) return "gone";
      throw err;
    }
  }

  /** Deletes the Lease only if it is still at `resourceVersion` (when given). */
  async delete(name: string, resourceVersion?: string): Promise<"deleted" | "conflict" | "gone"> {
    try {
      await this.api.deleteNamespacedLease(
        { namespace: this.namespace, name, body: resourceVersion ? { preconditions: { resourceVersion } } : {} },
        this.options(),
      );
      return "deleted";
    } catch (err) {
      const status = statusOf(err);
      if (status === 409) return "conflict";
      if (status === 404) return "gone";
      throw err;
    }
  }

  async list(labelSelector: string): Promise<LeaseList> {
    const r = await this.api.listNamespacedLease({ namespace: this.namespace, labelSelector }, this.options());
    return { items: r.items, resourceVersion: r.metadata?.resourceVersion ?? "" };
  }

  /** Per call: abort the request once the deadline passes. */
  private options() {
    const timeoutMs = this.timeoutMs;
    return {
      middleware: [{
        pre: (ctx: RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          const agent = this.sharedAgent(ctx.getAgent());
          if (agent) ctx.setAgent(agent);
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
      }],
      middlewareMergeStrategy: "append" as const,
    };
  }

  /** One agent with the same TLS settings as client-node's per-request one (proxy agents are left alone). */
  private sharedAgent(agent: unknown): https.Agent | undefined {
    if (!(agent instanceof https.Agent) || agent.constructor !== https.Agent) return undefined;
    const o = agent.options;
    // Credentials can change (rotated client certificates): a new agent then.
    const key = createHash("sha256").update(JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map(String))).digest("hex");
    if (this.shared?.key !== key) {
      this.shared?.agent.destroy();
      this.shared = { key, agent: new https.Agent({ ...o, keepAlive: false }) };
    }
    return this.shared.agent;
  }

  /** Closes the agent's connections. */
  close(): void {
    this.shared?.agent.destroy();
    this.shared = undefined;
  }
}

/** HTTP status of a failed client-node call, if it got that far. */
export function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}
