// Parsers for `dapr.io/*` annotation values. Each turns the raw string into a
// typed value or says what it expected, so the caller can fall back to the
// default and tell the user why (an admission warning), instead of failing the pod.

export type ParseResult<T> =
  | { ok: true; value: T; notes?: string[] }
  | { ok: false; expected: string };

export type Parser<T> = (raw: string) => ParseResult<T>;

const ok = <T>(value: T, notes?: string[]): ParseResult<T> => (notes?.length ? { ok: true, value, notes } : { ok: true, value });
const bad = (expected: string): { ok: false; expected: string } => ({ ok: false, expected });

// Dapr reads booleans with kit's IsTruthy; anything not truthy is false there.
// We accept the same truthy words and the obvious falsy ones, and flag the rest
// so a typo ("ture") does not silently turn a feature off.
const truthy = new Set(["y", "yes", "true", "t", "on", "1"]);
const falsy = new Set(["n", "no", "false", "f", "off", "0", ""]);

export const bool: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (truthy.has(v)) return ok(true);
  if (falsy.has(v)) return ok(false);
  return bad("a boolean (true or false)");
};

export const optionalBool: Parser<boolean | undefined> = bool;

function integer(raw: string): number | undefined {
  const v = raw.trim();
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function intInRange(min: number, max: number): Parser<number> {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return (raw) => {
    const n = integer(raw);
    return n !== undefined && n >= min && n <= max ? ok(n) : bad(expected);
  };
}

export function optionalIntInRange(min: number, max: number): Parser<number | undefined> {
  return intInRange(min, max);
}

export const port: Parser<number> = intInRange(1, 65535);
export const optionalPort: Parser<number | undefined> = port;
export const nonNegative: Parser<number> = intInRange(0, Number.MAX_SAFE_INTEGER);
export const positive: Parser<number> = intInRange(1, Number.MAX_SAFE_INTEGER);

export const string: Parser<string> = (raw) => ok(raw);

/** A non-empty string; an empty annotation means "not set". */
export const optionalString: Parser<string | undefined> = (raw) => ok(raw.trim() === "" ? undefined : raw.trim());

// Loose on purpose: registries differ, but whitespace or quotes are never part of an image.
export const imageRef: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === "") return ok(undefined);
  return /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]*$/.test(v) ? ok(v) : bad("a container image reference such as ghcr.io/org/dapr-ts:1.0");
};

export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  return (raw) => {
    const v = raw.trim().toLowerCase() as V;
    return values.includes(v) ? ok(v) : bad(`one of ${values.join(", ")}`);
  };
}

// A DNS-1123 label: what Kubernetes accepts as a Service name. The app id
// becomes the Service `<app-id>-dapr`, so it must leave room for the suffix.
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const appId: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === "") return ok(undefined);
  return dnsLabel.test(v) && v.length <= 58 ? ok(v) : bad("a DNS-1123 label (lower-case letters, digits, '-'), at most 58 characters");
};

// A DNS-1123 subdomain: what Kubernetes accepts as a Secret name.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const secretName: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === "") return ok(undefined);
  return dnsSubdomain.test(v) && v.length <= 253 ? ok(v) : bad("a Kubernetes Secret name");
};

// Kubernetes resource.Quantity syntax ("100m", "0.5", "128Mi", "1e3").
const quantityRe = /^[+]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$/;
export const quantity: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === "") return ok(undefined);
  return quantityRe.test(v) ? ok(v) : bad("a Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi");
};

// daprd's --max-body-size takes a size with an optional unit ("4Mi", "16M", "1048576").
const byteSizeRe = /^\d+(\.\d+)?\s*(Ki|Mi|Gi|K|M|G|KB|MB|GB|k|B)?$/;
export const byteSize: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === "") return ok(undefined);
  return byteSizeRe.test(v) ? ok(v) : bad("a size such as 4Mi, 16M or 1048576");
};

export const absolutePath: Parser<string> = (raw) => {
  const v = raw.trim();
  return v.startsWith("/") && !/\s/.test(v) ? ok(v) : bad("an absolute HTTP path such as /healthz");
};

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvPair { name: string; value: string }

// `K=V,K2=V2`. As Dapr does, a comma only starts a new pair when it is
// followed by `NAME=`, so values may contain commas ("A=x,y,B=z").
export const envList: Parser<EnvPair[]> = (raw) => {
  const pairs: EnvPair[] = [];
  const notes: string[] = [];
  const pieces = raw.split(/,(?=\s*[A-Za-z_][A-Za-z0-9_]*=)/);
  for (const piece of pieces) {
    const p = piece.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    const name = eq > 0 ? p.slice(0, eq).trim() : "";
    if (!envName.test(name)) {
      notes.push(`entry '${p}' is not NAME=value; skipped`);
      continue;
    }
    pairs.push({ name, value: p.slice(eq + 1) });
  }
  if (pairs.length === 0 && notes.length > 0) return bad("a list of NAME=value pairs separated by commas");
  return ok(pairs, notes);
};

export interface SecretEnv { name: string; secret: string; key: string }

// `ENV=secret` (key = secret name, as Dapr does) or `ENV=secret:key`, comma-separated.
export const envFromSecretList: Parser<SecretEnv[]> = (raw) => {
  const out: SecretEnv[] = [];
  const notes: string[] = [];
  for (const piece of raw.split(",")) {
    const p = piece.trim();
    if (p === "") continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([a-z0-9][-a-z0-9.]*)(?::([-._a-zA-Z0-9]+))?$/.exec(p);
    if (!m) {
      notes.push(`entry '${p}' is not ENV=secret or ENV=secret:key; skipped`);
      continue;
    }
    out.push({ name: m[1]!, secret: m[2]!, key: m[3] ?? m[2]! });
  }
  if (out.length === 0 && notes.length > 0) return bad("a list of ENV=secret or ENV=secret:key separated by commas");
  return ok(out, notes);
};

export interface VolumeMountSpec { volume: string; mountPath: string }

// `volume-name:/mount/path,other:/path`, as Dapr's parseVolumeMountsString.
export const volumeMountList: Parser<VolumeMountSpec[]> = (raw) => {
  const out: VolumeMountSpec[] = [];
  const notes: string[] = [];
  for (const piece of raw.split(",")) {
    const p = piece.trim();
    if (p === "") continue;
    const parts = p.split(":");
    if (parts.length !== 2 || !parts[0] || !parts[1]?.startsWith("/")) {
      notes.push(`entry '${p}' is not volume-name:/mount/path; skipped`);
      continue;
    }
    out.push({ volume: parts[0], mountPath: parts[1] });
  }
  if (out.length === 0 && notes.length > 0) return bad("a list of volume-name:/mount/path separated by commas");
  return ok(out, notes);
};

/** daprd's --dapr-listen-addresses: comma-separated hosts, IPv6 in brackets. */
export const listenAddresses: Parser<string> = (raw) => {
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === "" || /\s/.test(p))) return bad("comma-separated addresses such as [::1],127.0.0.1");
  return ok(parts.join(","));
};
