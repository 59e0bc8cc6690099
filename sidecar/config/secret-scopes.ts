// `spec.secrets.scopes` of a Configuration: which secrets of which secret store
// the app may read. Same rules as daprd (pkg/config SecretsScope.IsSecretAllowed):
// 1. a store without a scope entry: every secret is allowed;
// 2. a non-empty allowedSecrets list: only those secrets (deniedSecrets and
//    defaultAccess are then ignored);
// 3. a secret in deniedSecrets: denied;
// 4. otherwise defaultAccess decides ("deny", any case, denies; default allow).

export interface SecretsScope {
  storeName: string;
  defaultAccess?: string;
  allowedSecrets?: string[];
  deniedSecrets?: string[];
}

/** True if `secretName` in `storeName` may be read under `scopes`. */
export function isSecretAllowed(scopes: readonly SecretsScope[] | undefined, storeName: string, secretName: string): boolean {
  const scope = scopes?.find((s) => s.storeName === storeName);
  if (!scope) return true;
  if (scope.allowedSecrets && scope.allowedSecrets.length > 0) return scope.allowedSecrets.includes(secretName);
  if (scope.deniedSecrets?.includes(secretName)) return false;
  return scope.defaultAccess?.toLowerCase() !== "deny";
}

/**
 * Problems daprd refuses to start with: a store listed twice, or a defaultAccess
 * other than allow/deny. Returns one message per problem.
 */
export function validateSecretScopes(scopes: readonly SecretsScope[] | undefined): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  (scopes ?? []).forEach((s, i) => {
    if (seen.has(s.storeName)) errors.push(`secrets.scopes[${i}]: ${s.storeName} storeName is repeated in secrets configuration`);
    seen.add(s.storeName);
    const access = s.defaultAccess ?? "";
    if (access !== "" && access.toLowerCase() !== "allow" && access.toLowerCase() !== "deny") {
      errors.push(`secrets.scopes[${i}]: defaultAccess ${access} can be either allow or deny`);
    }
  });
  return errors;
}
