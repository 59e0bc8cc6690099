// `spec.accessControl` of a Configuration: which calling apps may invoke which
// operations of this app. A pure port of daprd's pkg/acl rules:
//
// Parsing (ParseAccessControlSpec):
// - nothing set (no defaultAction, trustDomain or policies): no ACL, allow all;
// - no defaultAction: "deny" when policies are given (or the list is absent
//   altogether), "allow" for an explicitly empty list. (When the ACL comes from a
//   Configuration resource, the defaults there already fill in "allow".)
// - trustDomain defaults to "public";
// - every app policy needs appId, trustDomain and namespace, or the ACL is invalid.
//
// Evaluation (most specific wins):
// - unknown caller (no verified app id) → global defaultAction;
// - no policy for caller appId+namespace, or trust domain mismatch → global default;
// - app defaultAction (when set) replaces the global one;
// - the operation is matched in a per-app tree: "/op" exact, "/op/*" one level,
//   "/op/**" any depth, "*" globs inside a segment; first definition wins;
// - matched over HTTP: the verb's action, else the "*" verb's action, else the
//   running default; a call without verb takes the app defaultAction;
// - matched over gRPC: the operation's action.
// HTTP operations compare case-insensitively.

export interface AccessControlSpec {
  defaultAction?: string;
  trustDomain?: string;
  policies?: AppPolicySpec[];
}

export interface AppPolicySpec {
  appId?: string;
  defaultAction?: string;
  trustDomain?: string;
  namespace?: string;
  operations?: AppOperationSpec[];
}

export interface AppOperationSpec {
  name?: string;
  httpVerb?: string[];
  action?: string;
}

interface OperationAction {
  operation: string;
  verbActions: Map<string, string>;
  action: string;
}

interface TrieNode {
  segment: string;
  data?: OperationAction;
  children: TrieNode[];
}

interface CompiledAppPolicy {
  appId: string;
  defaultAction: string;
  trustDomain: string;
  namespace: string;
  operations: TrieNode;
}

export interface AccessControlList {
  defaultAction: string;
  trustDomain: string;
  /** True when the called app speaks HTTP (operations compare case-insensitively). */
  isHttp: boolean;
  policies: Map<string, CompiledAppPolicy>;
}

export const defaultTrustDomain = "public";
export const defaultNamespace = "default";

const singleLevel = "/*";
const multiLevel = "/**";

/**
 * Builds the lookup structure. Returns `acl: undefined` when no ACL is configured
 * (everything is allowed); `errors` lists invalid app policies (daprd refuses to
 * start with them; the valid ones are still compiled here).
 */
export function parseAccessControl(
  spec: AccessControlSpec | undefined,
  opts: { isHttp: boolean },
): { acl: AccessControlList | undefined; errors: string[] } {
  if (!spec || ((spec.trustDomain ?? "") === "" && (spec.defaultAction ?? "") === "" && (spec.policies ?? []).length === 0)) {
    return { acl: undefined, errors: [] };
  }
  let defaultAction = (spec.defaultAction ?? "").toLowerCase();
  if (defaultAction === "") {
    // No global default: the safer "deny" when app policies exist.
    defaultAction = spec.policies === undefined || spec.policies.length > 0 ? "deny" : "allow";
  }
  const acl: AccessControlList = {
    defaultAction,
    trustDomain: spec.trustDomain || defaultTrustDomain,
    isHttp: opts.isHttp,
    policies: new Map(),
  };

  const errors: string[] = [];
  (spec.policies ?? []).forEach((p, i) => {
    const missing = (["appId", "trustDomain", "namespace"] as const).filter((k) => !p?.[k]);
    if (missing.length > 0) {
      errors.push(`accessControl.policies[${i}]${p?.appId ? ` (appId ${p.appId})` : ""}: missing ${missing.join(", ")}`);
      return;
    }
    const root: TrieNode = { segment: "/", children: [] };
    for (const op of p.operations ?? []) {
      let name = op?.name ?? "";
      if (!name.startsWith("/")) name = "/" + name;
      if (opts.isHttp) name = name.toLowerCase();
      const verbActions = new Map<string, string>();
      for (const verb of op?.httpVerb ?? []) verbActions.set(verb, op.action ?? "");
      insert(root, name, { operation: name, verbActions, action: op?.action ?? "" });
    }
    acl.policies.set(policyKey(p.appId!, p.namespace!), {
      appId: p.appId!,
      defaultAction: p.defaultAction ?? "",
      trustDomain: p.trustDomain!,
      namespace: p.namespace!,
      operations: root,
    });
  });
  return { acl, errors };
}

export interface InvocationRequest {
  /** Verified app ID of the caller (from its SPIFFE ID); undefined when unknown. */
  callerAppId?: string;
  /** Caller's namespace; default "default". */
  callerNamespace?: string;
  /** Caller's trust domain; default "public". */
  trustDomain?: string;
  /** The invoked method, e.g. "/orders/123". */
  operation: string;
  /** HTTP verb (GET, POST, …); empty/undefined for none. */
  httpVerb?: string;
}

export interface AccessDecision {
  allowed: boolean;
  /** Which level decided: "app", "global", or "" when there is no ACL. */
  policy: "app" | "global" | "";
  reason: string;
}

/** Decides whether an incoming invocation is allowed. */
export function evaluateAccessControl(acl: AccessControlList | undefined, req: InvocationRequest): AccessDecision {
  if (!acl) return { allowed: true, policy: "", reason: "no access control policy is configured" };
  if (!req.callerAppId) return decide(req, acl.defaultAction, "global", "caller identity is unknown; global default action applies");

  let operation: string;
  try {
    operation = normalizeOperation(req.operation);
  } catch (err) {
    return { allowed: false, policy: "global", reason: `error in method normalization: ${(err as Error).message}` };
  }

  // Dapr's default Configuration has an ACL without app policies: every call of every sidecar
  // comes here, and the global default decides without a key built to look one up.
  if (acl.policies.size === 0) return decide(req, acl.defaultAction, "global", "no app policies are configured; global default action applies");
  const namespace = req.callerNamespace || defaultNamespace;
  const trustDomain = req.trustDomain || defaultTrustDomain;
  const appPolicy = acl.policies.get(policyKey(req.callerAppId, namespace));
  if (!appPolicy) return decide(req, acl.defaultAction, "global", `no policy for app ${req.callerAppId} in namespace ${namespace}`);
  if (appPolicy.trustDomain !== trustDomain) {
    return decide(req, acl.defaultAction, "global", `trust domain ${trustDomain} does not match the policy's ${appPolicy.trustDomain}`);
  }
  const verb = (req.httpVerb ?? "").toUpperCase();

  let action = acl.defaultAction;
  let policy: "app" | "global" = "global";
  let why = "no operation matched; global default action applies";
  if (appPolicy.defaultAction !== "") {
    action = appPolicy.defaultAction;
    policy = "app";
    why = `no operation matched; default action of app ${appPolicy.appId} applies`;
  }

  if (!operation.startsWith("/")) operation = "/" + operation;
  if (acl.isHttp) operation = operation.toLowerCase();
  const match = search(appPolicy.operations, operation);
  if (match) {
    if (acl.isHttp) {
      if (verb !== "") {
        const verbAction = match.verbActions.get(verb) ?? match.verbActions.get("*");
        if (verbAction !== undefined) {
          action = verbAction;
          why = `operation ${match.operation} verb ${verb} matched`;
        }
      } else {
        action = appPolicy.defaultAction;
        why = `operation ${match.operation} matched without a verb; app default action applies`;
      }
    } else {
      action = match.action;
      why = `operation ${match.operation} matched`;
    }
  }
  return decide(req, action, policy, why);
}

/** The decision for `action`; a denial's reason names the caller's SPIFFE ID, the operation and the verb (built only then). */
function decide(req: InvocationRequest, action: string, policy: "app" | "global", why: string): AccessDecision {
  if (action.toLowerCase() === "allow") return { allowed: true, policy, reason: why };
  const id = `spiffe://${req.trustDomain || defaultTrustDomain}/ns/${req.callerNamespace || defaultNamespace}/${req.callerAppId ?? ""}`;
  const verb = (req.httpVerb ?? "").toUpperCase() || "NONE";
  return { allowed: false, policy, reason: `access control policy has denied access to id: ${id} operation: ${req.operation} verb: ${verb} (${why})` };
}

function policyKey(appId: string, namespace: string): string {
  return `${appId}||${namespace}`;
}

function insert(root: TrieNode, operation: string, data: OperationAction): void {
  const parts = operation.split("/");
  let node = root;
  for (let i = 1; i < parts.length; i++) {
    const segment = "/" + parts[i];
    const isLast = i === parts.length - 1;
    const existing = node.children.find((c) => c.segment === segment);
    if (!existing) {
      const created: TrieNode = isLast ? { segment, data, children: [] } : { segment, children: [] };
      node.children.push(created);
      node = created;
    } else if (isLast) {
      // The first definition of an operation wins.
      if (!existing.data) existing.data = data;
    } else {
      node = existing;
    }
  }
}

function search(root: TrieNode, operation: string): OperationAction | undefined {
  const parts = operation.split("/");
  let node: TrieNode | undefined = root;
  for (let i = 1; i < parts.length; i++) {
    const isEnd = i === parts.length - 1;
    node = findChild(node!, "/" + parts[i], isEnd);
    if (!node) return undefined;
    if (node.data) {
      // A "/*" with data in the middle of the path: keep walking below it.
      if (!isEnd && node.segment.endsWith(singleLevel) && !node.segment.endsWith(multiLevel)) continue;
      return node.data;
    }
    if (isEnd) {
      const wildcard = findChild(node, singleLevel, isEnd);
      if (wildcard?.data) return wildcard.data;
    }
  }
  return undefined;
}

function findChild(node: TrieNode, segment: string, isEnd: boolean): TrieNode | undefined {
  for (const child of node.children) {
    if (child.segment === segment) return child;
    if (child.segment === singleLevel) {
      if (isEnd) return child;
      continue;
    }
    if (child.segment === multiLevel) return child;
    if (globMatch(segment, child.segment)) return child;
  }
  return undefined;
}

/** `*` in the pattern matches any run of characters (including none). */
function globMatch(target: string, pattern: string): boolean {
  if (!pattern.includes("*")) return target === pattern;
  const re = new RegExp("^" + pattern.split("*").map(escapeRegExp).join(".*") + "$", "s");
  return re.test(target);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const unreserved = /[A-Za-z0-9\-._~]/;

/**
 * Normalises a method path as daprd does with purell (usually-safe-greedy plus
 * duplicate-slash removal): merge "//", resolve "." and "..", drop a trailing
 * slash, decode escapes of unreserved characters and upper-case the others.
 */
export function normalizeOperation(operation: string): string {
  // The usual method ("orders/1") has nothing to normalize: no escapes, no dots, no doubled or trailing slash.
  if (!needsNormalizing.test(operation)) return operation;
  let p = operation.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return unreserved.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
  if (/%(?![0-9A-F]{2})/.test(p)) throw new Error(`invalid URL escape in ${JSON.stringify(operation)}`);
  p = p.replace(/\/{2,}/g, "/");
  p = removeDotSegments(p);
  if (p.length > 0 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

const needsNormalizing = /[%.]|\/\/|\/$/;

function removeDotSegments(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  const segments = path.split("/");
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === ".") {
      if (last) out.push("");
    } else if (s === "..") {
      if (out.length > (absolute ? 1 : 0)) out.pop();
      if (last) out.push("");
    } else {
      out.push(s);
    }
  }
  const joined = out.join("/");
  return absolute && !joined.startsWith("/") ? "/" + joined : joined;
}
