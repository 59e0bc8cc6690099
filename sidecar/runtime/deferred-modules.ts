// Loads the modules the shipped bundle defers at start-up (tools/build-bundle.ts):
// called once a process serves (sidecar, injector, operator), so the first
// request that needs one (a response's Content-Type through mime-types, say)
// does not pay for loading it.
// Run from source (tests, tsx) nothing is deferred and this does nothing.

/** Same key as DEFERRED_MODULES_KEY in tools/build-bundle.ts, where the shims register. */
const REGISTRY = Symbol.for("dapr-ts.deferred-modules");

/** Loads every deferred module now; returns how many loaders ran. */
export function loadDeferredModules(): number {
  const loaders = (globalThis as Record<symbol, unknown>)[REGISTRY];
  if (!Array.isArray(loaders)) return 0;
  for (const load of loaders as Array<() => unknown>) load();
  return loaders.length;
}
