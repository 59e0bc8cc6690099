// Picks the name resolver: Kubernetes DNS in Kubernetes mode, otherwise the
// zero-configuration local registry shared by the sidecars of this machine.
import os from "node:os";
import path from "node:path";
import type { BlockContext } from "../runtime/building-block.js";
import { KubernetesNameResolver } from "./kubernetes-resolver.js";
import { LocalRegistryResolver, registryDir } from "./local-registry-resolver.js";
import type { NameResolver } from "./name-resolver.js";

export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.DAPR_TS_HOME ?? path.join(env.HOME ?? os.homedir(), ".dapr-ts");
}

export function createNameResolver(ctx: BlockContext): NameResolver {
  if (ctx.opts.mode === "kubernetes") return new KubernetesNameResolver();
  return new LocalRegistryResolver(registryDir(dataHome()));
}
