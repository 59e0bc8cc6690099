// RFC 6902 operations, as the API server applies them. Only `add` is needed:
// the injector adds to a pod and never removes from it.

export interface JsonPatchOp {
  op: "add";
  path: string;
  value: unknown;
}

/** Escapes one JSON-pointer segment (RFC 6901): `~` first, then `/`. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

export function add(path: string, value: unknown): JsonPatchOp {
  return { op: "add", path, value };
}
