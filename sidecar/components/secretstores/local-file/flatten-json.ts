// Flattens a parsed JSON secrets file the way Dapr's local.file store does:
// nested objects and arrays become one key per leaf, path segments joined by
// the separator (array items by their index), e.g. {"db":{"hosts":["a"]}}
// with ":" gives "db:hosts:0" -> "a". When two paths collide, the first one
// in the file wins (Dapr silently keeps one of them).

/** A JSON leaf as a string. Dapr formats non-strings with Go's `%s`, which
 *  yields things like `%!s(float64=1)`; we give the plain JSON text instead. */
function leafText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  return String(v);
}

export function flattenJson(value: unknown, separator: string, prefix: string[] = [], out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value)) {
    value.forEach((item, i) => flattenJson(item, separator, [...prefix, String(i)], out));
    return out;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenJson(v, separator, [...prefix, k], out);
    return out;
  }
  const key = prefix.join(separator);
  if (!(key in out)) out[key] = leafText(value);
  return out;
}
