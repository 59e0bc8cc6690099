// secretstores.local.file: secrets read once at init from a JSON file.
// Single-valued (default): the file is flattened, every leaf is a secret
// named by its path, answered as `{ [name]: value }`. `multiValued: true`:
// each top-level string is a secret, each top-level object is one secret
// whose keys are its flattened leaves (other top-level types are ignored).
import { readFileSync } from "node:fs";
import path from "node:path";
import { boolProp, prop, requiredProp, type ComponentContext } from "../../component.js";
import {
  SecretNotFoundError,
  type BulkGetSecretRequest,
  type GetSecretRequest,
  type Secret,
  type SecretStore,
  type SecretStoreFeature,
} from "../secret-store.js";
import { flattenJson } from "./flatten-json.js";

export class LocalFileSecretStore implements SecretStore {
  private secrets = new Map<string, Secret>();
  private multiValued = false;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    // Relative paths are relative to the sidecar's working directory, as in daprd.
    const file = path.resolve(requiredProp(this.ctx, "secretsFile"));
    const separator = prop(this.ctx.properties, "nestedSeparator") || ":";
    this.multiValued = boolProp(this.ctx.properties, "multiValued", false);

    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`component ${this.ctx.name}: cannot read secretsFile ${file}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`component ${this.ctx.name}: secretsFile ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error(`component ${this.ctx.name}: secretsFile ${file} must hold a JSON object at the top level`);
    }

    this.secrets = new Map();
    if (this.multiValued) {
      for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
        if (typeof v === "string") this.secrets.set(name, { [name]: v });
        else if (v !== null && typeof v === "object" && !Array.isArray(v)) this.secrets.set(name, flattenJson(v, separator));
      }
    } else {
      for (const [name, v] of Object.entries(flattenJson(parsed, separator))) this.secrets.set(name, { [name]: v });
    }
  }

  features(): SecretStoreFeature[] {
    return this.multiValued ? ["MULTIPLE_KEY_VALUES_PER_SECRET"] : [];
  }

  async getSecret(req: GetSecretRequest): Promise<Secret> {
    const s = this.secrets.get(req.name);
    if (!s) throw new SecretNotFoundError(req.name, this.ctx.name);
    return { ...s };
  }

  async bulkGetSecret(_req: BulkGetSecretRequest): Promise<Record<string, Secret>> {
    const out: Record<string, Secret> = {};
    for (const [name, s] of this.secrets) out[name] = { ...s };
    return out;
  }

  async close(): Promise<void> {
    this.secrets.clear();
  }
}
