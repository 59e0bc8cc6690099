// Who may get a sidecar injected. Dapr only injects into pods created by the
// workload controllers' service accounts (so a user cannot smuggle a sidecar
// with someone else's identity into a bare pod), plus cluster admins.
//
// dapr-ts makes this opt-in (`--restrict-to-controllers`), default off: the
// test API double and `kubectl apply` of a bare Pod send requests as ordinary
// users, and a mutating webhook never grants rights the requester lacks; it
// only decides whether to add a container. Turn it on to mirror Dapr exactly.
import type { UserInfo } from "./review.js";

export interface AuthorizationConfig {
  restrictToControllers: boolean;
  /** Extra `namespace:name` service accounts, as Dapr's ALLOWED_SERVICE_ACCOUNTS. */
  allowedServiceAccounts: string[];
  /** `namespace:name` patterns where a trailing `*` matches a prefix, as ALLOWED_SERVICE_ACCOUNTS_PREFIX_NAMES. */
  allowedServiceAccountPrefixes: string[];
}

/** Dapr's built-in list (pkg/injector/service/injector.go). */
export const controllerServiceAccounts = [
  "kube-system:replicaset-controller",
  "kube-system:replication-controller",
  "kube-system:deployment-controller",
  "kube-system:cronjob-controller",
  "kube-system:job-controller",
  "kube-system:statefulset-controller",
  "kube-system:daemon-set-controller",
  "openshift-operator-lifecycle-manager:olm-operator-serviceaccount",
  "tekton-pipelines:tekton-pipelines-controller",
];

const saPrefix = "system:serviceaccount:";
const adminGroup = "system:masters";

function matchesPattern(pattern: string, value: string): boolean {
  return pattern.endsWith("*") ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

export function isAuthorizedRequester(user: UserInfo, cfg: AuthorizationConfig): boolean {
  if (!cfg.restrictToControllers) return true;
  if ((user.groups ?? []).includes(adminGroup)) return true;
  const username = user.username ?? "";
  if (!username.startsWith(saPrefix)) return false;
  const [ns, name, ...rest] = username.slice(saPrefix.length).split(":");
  if (!ns || !name || rest.length > 0) return false;
  const id = `${ns}:${name}`;
  if (controllerServiceAccounts.includes(id) || cfg.allowedServiceAccounts.includes(id)) return true;
  return cfg.allowedServiceAccountPrefixes.some((p) => {
    const [pns, pname] = p.split(":");
    return pns !== undefined && pname !== undefined && matchesPattern(pns, ns) && matchesPattern(pname, name);
  });
}
