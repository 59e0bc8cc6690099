// What every component receives and what every component is.
import type { Logger } from "../log/logger.js";

/** The resolved metadata of a Component resource: every value is a string, as in Dapr. */
export type Properties = Record<string, string>;

/** Everything a component factory is given: its own resolved definition and the runtime's identity. */
export interface ComponentContext {
  name: string;
  type: string;
  version: string;
  properties: Properties;
  appId: string;
  namespace: string;
  logger: Logger;
}

/** The base lifecycle every component shares. */
export interface Component {
  /** Connects and validates; throws with a message that names the bad field. */
  init(): Promise<void>;
  close(): Promise<void>;
}

/** Reads an optional metadata property case-insensitively, as Dapr's metadata decoder does. */
export function prop(properties: Properties, name: string): string | undefined {
  if (name in properties) return properties[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(properties)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function requiredProp(ctx: Pick<ComponentContext, "name" | "type" | "properties">, name: string): string {
  const v = prop(ctx.properties, name);
  if (v === undefined || v === "") throw new Error(`component ${ctx.name} (${ctx.type}): missing required metadata '${name}'`);
  return v;
}

export function boolProp(properties: Properties, name: string, dflt: boolean): boolean {
  const v = prop(properties, name);
  if (v === undefined || v === "") return dflt;
  return ["true", "1", "yes", "y", "on"].includes(v.toLowerCase());
}

export function intProp(properties: Properties, name: string, dflt: number): number {
  const v = prop(properties, name);
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`metadata '${name}' must be a number, got '${v}'`);
  return n;
}
