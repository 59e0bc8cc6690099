// startKubeApi(): a Kubernetes API server double for tests, over HTTPS with a
// fresh self-signed certificate and a kubeconfig that kubectl and
// @kubernetes/client-node use unchanged.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify as toYaml } from "yaml";
import type { ServiceResolver } from "./admission.js";
import { KubeApiCore, resourceKey, type Target, type WriteResult } from "./api-core.js";
import { GarbageCollector } from "./garbage-collector.js";
import { createRequestHandler } from "./http-handler.js";
import { ObjectStore, type KubeObject } from "./object-store.js";
import { ResourceTypeRegistry, splitApiVersion, type ResourceType } from "./resource-types.js";
import { KubeError } from "./status.js";
import { createServingCertificate } from "./tls.js";
import { WatchHub } from "./watch-stream.js";
import { WorkloadController } from "./workload-controller.js";

export interface KubeApiOptions {
  /** Change events kept for watches to resume from; older resourceVersions get 410 Gone. Default 10,000. */
  historySize?: number;
  /** How often watches with allowWatchBookmarks get a BOOKMARK. Default 1,000 ms (the real server: about a minute). */
  bookmarkIntervalMs?: number;
  /** Where webhook `clientConfig.service` references point to. */
  resolveService?: ServiceResolver;
  /** Bearer token clients must send; default a random one (written to the kubeconfig). Empty string: no auth. */
  token?: string;
  /** Also serve plain HTTP (no TLS, no auth) on another port. */
  http?: boolean;
  /** Run the Deployment/StatefulSet pod controller. Default true. */
  controllers?: boolean;
  /** Namespaces to create at start besides default, kube-system and kube-public. */
  namespaces?: string[];
}

export interface KubeApi {
  /** https://127.0.0.1:<port> */
  url: string;
  /** http://127.0.0.1:<port> when `http` was asked for. */
  httpUrl?: string;
  kubeconfigPath: string;
  caPem: string;
  token: string;
  core: KubeApiCore;
  /** A client-node KubeConfig for this server. */
  kubeConfig(): KubeConfig;
  /** Resource type of apiVersion+kind, or undefined when not served (yet). */
  typeOf(apiVersion: string, kind: string): ResourceType | undefined;
  /** The stored object, as the API would return it, or undefined. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Creates through the full write path (admission, validation); throws KubeError like the API would answer. */
  create(obj: KubeObject): Promise<WriteResult>;
  /** Creates or replaces (PUT semantics; resourceVersion taken from the stored object when absent). */
  apply(obj: KubeObject): Promise<WriteResult>;
  delete(apiVersion: string, kind: string, name: string, namespace?: string, propagationPolicy?: string): Promise<KubeObject>;
  /** Resolves when background garbage collection queued so far is done. */
  gcIdle(): Promise<void>;
  /** Pod-creation failures of the workload controller (e.g. a webhook refusing pods). */
  controllerErrors(): { workload: string; message: string }[];
  /** Abruptly kills every open watch connection; returns how many there were. */
  dropWatches(): number;
  openWatches(): number;
  /**
   * Simulates an API server restart: every connection is cut, the port refuses
   * connections for `downMs`, and the watch history is gone (a watch from a
   * resourceVersion older than the current one gets 410 Gone). Stored objects
   * survive, as they would in etcd, and may be changed (in-process) meanwhile.
   */
  restart(o?: { downMs?: number }): Promise<void>;
  /** Every request seen so far: method and URL (for tests of client behaviour). */
  requests: { method: string; url: string; accept?: string }[];
  stop(): Promise<void>;
}

async function listen(server: http.Server | https.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting, then keeps cutting connections: a client that reconnects in between must not hold close() open. */
function closeServer(s: http.Server | https.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => s.closeAllConnections(), 50);
    s.close(() => {
      clearInterval(sweep);
      resolve();
    });
    s.closeAllConnections();
  });
}

function writeKubeconfig(dir: string, url: string, caPem: string, token: string): string {
  const file = path.join(dir, "kubeconfig");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "double", cluster: { server: url, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: "admin", user: token ? { token } : {} }],
    contexts: [{ name: "double", context: { cluster: "double", user: "admin", namespace: "default" } }],
    "current-context": "double",
  };
  writeFileSync(file, toYaml(config), { mode: 0o600 });
  return file;
}

export async function startKubeApi(opts: KubeApiOptions = {}): Promise<KubeApi> {
  const registry = new ResourceTypeRegistry();
  const store = new ObjectStore(opts.historySize ?? 10_000);
  const core = new KubeApiCore(registry, store, opts.resolveService);
  const gc = new GarbageCollector(core);
  const controller = opts.controllers === false ? undefined : new WorkloadController(core);
  const watches = new WatchHub(core, opts.bookmarkIntervalMs ?? 1000);
  const token = opts.token ?? randomBytes(16).toString("hex");
  const cert = createServingCertificate(["localhost", "127.0.0.1"]);
  const requests: KubeApi["requests"] = [];

  const nsType = registry.byGroupPlural("", "namespaces")!;
  for (const ns of ["default", "kube-system", "kube-public", ...(opts.namespaces ?? [])]) {
    await core.create({ type: nsType, version: "v1", namespace: "" }, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  }

  let address = "";
  const onRequest = (method: string, url: string, headers: http.IncomingHttpHeaders) => {
    requests.push({ method, url, accept: headers.accept });
  };
  const tlsServer = https.createServer({ key: cert.keyPem, cert: cert.certPem }, createRequestHandler({ core, watches, serverAddress: () => address, token, onRequest }));
  const port = await listen(tlsServer);
  address = `127.0.0.1:${port}`;
  const url = `https://${address}`;
  let plainServer: http.Server | undefined;
  let httpUrl: string | undefined;
  if (opts.http) {
    plainServer = http.createServer(createRequestHandler({ core, watches, serverAddress: () => address, onRequest }));
    httpUrl = `http://127.0.0.1:${await listen(plainServer)}`;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "kube-api-"));
  const kubeconfigPath = writeKubeconfig(dir, url, cert.caPem, token);

  const typeOf = (apiVersion: string, kind: string) => {
    const { group, version } = splitApiVersion(apiVersion);
    const t = registry.byKind(group, kind);
    return t && t.versions.includes(version) ? t : undefined;
  };
  const targetOf = (apiVersion: string, kind: string, namespace?: string, name?: string): Target => {
    const t = typeOf(apiVersion, kind);
    if (!t) throw new KubeError(404, "NotFound", `the server doesn't have a resource type for ${apiVersion} ${kind}`);
    return { type: t, version: splitApiVersion(apiVersion).version, namespace: t.namespaced ? (namespace ?? "default") : "", name };
  };

  return {
    url,
    httpUrl,
    kubeconfigPath,
    caPem: cert.caPem,
    token,
    core,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    },
    typeOf,
    get(apiVersion, kind, name, namespace) {
      try {
        return core.get(targetOf(apiVersion, kind, namespace, name));
      } catch (e) {
        if (e instanceof KubeError && e.code === 404) return undefined;
        throw e;
      }
    },
    list(apiVersion, kind, namespace) {
      const target = targetOf(apiVersion, kind, namespace);
      return core.list({ ...target, namespace: namespace ?? "" }).items;
    },
    create(obj) {
      return core.create(targetOf(obj.apiVersion ?? "", obj.kind ?? "", obj.metadata?.namespace), obj);
    },
    async apply(obj) {
      const target = targetOf(obj.apiVersion ?? "", obj.kind ?? "", obj.metadata?.namespace, obj.metadata?.name);
      const existing = store.get(resourceKey(target.type), target.type.namespaced ? target.namespace : "", obj.metadata.name ?? "");
      if (!existing) return core.create({ ...target, name: undefined }, obj);
      const body = structuredClone(obj);
      body.metadata.resourceVersion ??= existing.metadata.resourceVersion;
      return core.update(target, body);
    },
    delete(apiVersion, kind, name, namespace, propagationPolicy) {
      return core.delete(targetOf(apiVersion, kind, namespace, name), { propagationPolicy });
    },
    gcIdle: () => gc.idle(),
    controllerErrors: () => [...(controller?.errors ?? [])],
    dropWatches: () => watches.dropAll(),
    openWatches: () => watches.openCount,
    async restart(o = {}) {
      watches.dropAll();
      const ports = [tlsServer, plainServer].map((s) => (s ? (s.address() as AddressInfo).port : 0));
      for (const s of [tlsServer, plainServer]) if (s) await closeServer(s);
      store.compact();
      await new Promise((r) => setTimeout(r, o.downMs ?? 0));
      await listen(tlsServer, ports[0]);
      if (plainServer) await listen(plainServer, ports[1]);
    },
    requests,
    async stop() {
      controller?.stop();
      watches.dropAll();
      for (const s of [tlsServer, plainServer]) if (s) await closeServer(s);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
