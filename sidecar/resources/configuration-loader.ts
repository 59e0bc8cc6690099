// The Configuration named by `--config`: a file path in standalone mode (as
// daprd), or the name of a Configuration resource (Kubernetes mode). Invalid
// fields are reported and fall back to defaults; the sidecar still starts.
import { existsSync, readFileSync } from "node:fs";
import { defaultConfiguration, parseConfiguration, type Configuration } from "../config/configuration.js";
import { emptyResourceSet, type ResourceSet } from "./types.js";

export async function loadConfiguration(config: string | undefined, resources: ResourceSet): Promise<{ config: Configuration; errors: string[] }> {
  if (!config) return { config: defaultConfiguration(), errors: [] };
  let candidates = resources.configurations;
  const errors: string[] = [];
  if (existsSync(config)) {
    const { addDocuments } = await import("./file-loader.js");
    const set = emptyResourceSet();
    addDocuments(set, config, readFileSync(config, "utf8"));
    errors.push(...set.errors);
    candidates = set.configurations;
  }
  const found = existsSync(config) ? candidates[0] : candidates.find((c) => c.resource.metadata.name === config);
  if (!found) return { config: defaultConfiguration(), errors: [...errors, `configuration ${config} not found; using defaults`] };
  const parsed = parseConfiguration(found.resource);
  return { config: parsed.config, errors: [...errors, ...parsed.errors.map((e) => `${found.source}: ${e}`)] };
}
