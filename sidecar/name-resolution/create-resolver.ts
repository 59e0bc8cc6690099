// Picks the name resolver: Kubernetes DNS in Kubernetes mode, otherwise the
// zero-configuration local registry shared by the sidecars of this machine.
import os from "node:os";
import path from "node:path";
import type { BlockContext } from "../runtime/building-block.js";
import { hostsFileLookup, KubernetesNameResolver } from "./kubernetes-resolver.js";
import { LocalRegistryResolver, registryDir } from "./local-registry-resolver.js";
import { RedisNameResolver } from "./redis-resolver.js";
import type { NameResolver } from "./name-resolver.js";

export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.DAPR_TS_HOME ?? path.join(env.HOME ?? os.homedir(), ".dapr-ts");
}

export function createNameResolver(ctx: BlockContext, env: NodeJS.ProcessEnv = process.env): NameResolver {
  if (ctx.opts.mode === "kubernetes") {
    // Cluster DNS, or (a test kubelet running pods on one machine) a hosts table in a file.
    const hostsFile = env.DAPR_TS_K8S_HOSTS_FILE;
    return new KubernetesNameResolver(hostsFile ? { hosts: hostsFileLookup(hostsFile) } : {});
  }
  const nr = ctx.configuration.nameResolution;
  if (nr?.component === "redis") {
    // Several machines: a Redis every sidecar reaches (Configuration nameResolution).
    const c = (nr.configuration ?? {}) as { redisHost?: string; redisPassword?: string };
    if (c.redisHost) return new RedisNameResolver({ redisHost: c.redisHost, redisPassword: c.redisPassword });
    ctx.rt.logger.error("nameResolution redis needs configuration.redisHost; using the local registry");
  }
  return new LocalRegistryResolver(registryDir(dataHome()));
}
