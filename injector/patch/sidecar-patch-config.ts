// What the pure patch function needs from the injector's configuration.
// Kept apart from injector/config.ts (flags, env) so the patch stays pure and
// tests can build a config literal.
import type { SidecarSettings } from "../annotations.js";

export interface SidecarPatchConfig {
  /** Image used when the pod has no `dapr.io/sidecar-image`. */
  sidecarImage: string;
  /** Entrypoint of our image; `sidecar --mode kubernetes ...` follows as args. */
  sidecarCommand: string[];
  imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  /** Inject as a native sidecar unless the pod says otherwise (`dapr.io/enable-native-sidecar`). */
  nativeSidecar: boolean;
  /** Injector-wide defaults laid over the annotation table's (e.g. resources). */
  defaults: Partial<SidecarSettings>;
}

/** Fixed sidecar ports that annotations cannot change (as in Dapr). */
export const sidecarHttpPort = 3500;
export const sidecarPublicPort = 3501;
export const sidecarContainerName = "daprd";

export function defaultPatchConfig(overrides: Partial<SidecarPatchConfig> = {}): SidecarPatchConfig {
  return {
    sidecarImage: "dapr-ts:latest",
    sidecarCommand: ["dapr-ts"],
    imagePullPolicy: "IfNotPresent",
    nativeSidecar: false,
    defaults: {},
    ...overrides,
  };
}
