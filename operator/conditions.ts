// The status the operator writes on dapr.io resources, rebuilt from scratch on
// every reconcile pass (never accumulated): one `Ready` condition plus
// `observedGeneration`. The only thing carried over from the previous status is
// `lastTransitionTime`, which by Kubernetes convention changes only when the
// condition's status flips (True <-> False), not when its reason or message do.
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface DaprResourceStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

/** What a validator concluded about one resource. */
export type Verdict =
  | { ok: true; message: string }
  | { ok: false; reason: string; message: string; /** Re-check later (the world may change, e.g. a Secret appears). */ recheckAfterMs?: number };

/** Kubernetes timestamps have second precision (metav1.Time). */
export function kubeNow(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function buildStatus(previous: DaprResourceStatus | undefined, verdict: Verdict, generation: number | undefined, now: Date): DaprResourceStatus {
  const status = verdict.ok ? "True" : "False";
  const reason = verdict.ok ? "Valid" : verdict.reason;
  const prior = previous?.conditions?.find((c) => c?.type === "Ready");
  const lastTransitionTime = prior && prior.status === status && prior.lastTransitionTime ? prior.lastTransitionTime : kubeNow(now);
  const ready: Condition = { type: "Ready", status, reason, message: verdict.message, lastTransitionTime };
  if (generation !== undefined) ready.observedGeneration = generation;
  const out: DaprResourceStatus = { conditions: [ready] };
  if (generation !== undefined) out.observedGeneration = generation;
  return out;
}

/** True when writing `next` over `current` would change nothing (so no write is made). */
export function sameStatus(current: DaprResourceStatus | undefined, next: DaprResourceStatus): boolean {
  return canonical(current ?? {}) === canonical(next);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}
