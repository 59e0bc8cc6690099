// The secret store contract, modelled on components-contrib `secretstores`:
// one secret is a small map of key -> value (a Kubernetes Secret has several
// keys; a single-valued store answers `{ [name]: value }`). The runtime uses
// these stores to resolve `secretKeyRef`s in component YAMLs, so `getSecret`
// must say clearly when a secret does not exist.
import type { Component } from "../component.js";

/** Announced in the metadata API exactly as Dapr spells it. */
export type SecretStoreFeature = "MULTIPLE_KEY_VALUES_PER_SECRET";

export interface GetSecretRequest {
  name: string;
  /** Request metadata (`metadata.*` query parameters), e.g. `namespace` for Kubernetes. */
  metadata: Record<string, string>;
}

export interface BulkGetSecretRequest {
  metadata: Record<string, string>;
}

/** A secret: its keys and their (decoded) values. */
export type Secret = Record<string, string>;

export interface SecretStore extends Component {
  features(): SecretStoreFeature[];
  /** Throws `SecretNotFoundError` when the store has no secret of that name. */
  getSecret(req: GetSecretRequest): Promise<Secret>;
  /** Every secret the store holds, by secret name. */
  bulkGetSecret(req: BulkGetSecretRequest): Promise<Record<string, Secret>>;
}

/** Thrown by stores for a secret that does not exist; never carries a secret value. */
export class SecretNotFoundError extends Error {
  constructor(readonly secretName: string, storeName?: string) {
    super(`secret ${secretName} not found${storeName ? ` in secret store ${storeName}` : ""}`);
    this.name = "SecretNotFoundError";
  }
}
