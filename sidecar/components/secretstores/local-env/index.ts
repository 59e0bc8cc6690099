// secretstores.local.env: secrets are environment variables.
// As in Dapr: `getSecret("X")` reads `<prefix>X` and answers `{ X: value }`;
// bulk lists the variables that start with the prefix, with the prefix
// stripped from their names. Variables that belong to the sidecar itself
// (DAPR_*, APP_API_TOKEN) are never handed out.
// One deliberate difference: Dapr answers an empty value for a variable that
// is not set; we throw SecretNotFoundError, because an empty string silently
// resolving a `secretKeyRef` hides configuration mistakes.
import { prop, type ComponentContext } from "../../component.js";
import {
  SecretNotFoundError,
  type BulkGetSecretRequest,
  type GetSecretRequest,
  type Secret,
  type SecretStore,
  type SecretStoreFeature,
} from "../secret-store.js";

function isForbidden(name: string): boolean {
  const upper = name.toUpperCase();
  return upper === "APP_API_TOKEN" || upper.startsWith("DAPR_");
}

export class LocalEnvSecretStore implements SecretStore {
  private prefix = "";

  constructor(
    private readonly ctx: ComponentContext,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async init(): Promise<void> {
    this.prefix = prop(this.ctx.properties, "prefix") ?? "";
  }

  features(): SecretStoreFeature[] {
    return [];
  }

  async getSecret(req: GetSecretRequest): Promise<Secret> {
    const varName = this.prefix + req.name;
    if (isForbidden(varName)) {
      this.ctx.logger.warn("access to environment variable is forbidden", { secret: req.name });
      throw new SecretNotFoundError(req.name, this.ctx.name);
    }
    const value = this.env[varName];
    if (value === undefined) throw new SecretNotFoundError(req.name, this.ctx.name);
    return { [req.name]: value };
  }

  async bulkGetSecret(_req: BulkGetSecretRequest): Promise<Record<string, Secret>> {
    const out: Record<string, Secret> = {};
    for (const [key, value] of Object.entries(this.env)) {
      if (value === undefined || isForbidden(key)) continue;
      if (this.prefix && (key.length <= this.prefix.length || !key.startsWith(this.prefix))) continue;
      const name = key.slice(this.prefix.length);
      out[name] = { [name]: value };
    }
    return out;
  }

  async close(): Promise<void> {}
}
