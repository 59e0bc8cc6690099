// Reads docs/compatibility.md: the HTTP table (API | Methods | Path | Status)
// and the gRPC table (RPC | Status). Kept apart from the test so the parser
// itself is tested on bad tables.
export type Status = "implemented" | "not yet";

export interface HttpRow {
  api: string;
  methods: string[];
  /** Doc syntax: `{name}` one segment, `{name...}` the rest of the path. */
  path: string;
  status: Status;
}

export interface GrpcRow {
  rpc: string;
  status: Status;
}

export interface CompatibilityTable {
  http: HttpRow[];
  grpc: GrpcRow[];
}

function status(v: string, line: number): Status {
  if (v === "implemented" || v === "not yet") return v;
  throw new Error(`compatibility table line ${line}: status must be 'implemented' or 'not yet', got '${v}'`);
}

export function parseCompatibilityTable(markdown: string): CompatibilityTable {
  const out: CompatibilityTable = { http: [], grpc: [] };
  markdown.split("\n").forEach((text, i) => {
    const line = i + 1;
    if (!text.startsWith("|") || /^\|\s*-/.test(text)) return;
    const cells = text.split("|").slice(1, -1).map((c) => c.trim());
    if (cells[0] === "API" || cells[0] === "RPC") return; // header rows
    if (cells.length === 4) {
      const [api, methods, path, st] = cells as [string, string, string, string];
      out.http.push({ api, methods: methods.split(",").map((m) => m.trim()), path: path.replace(/`/g, ""), status: status(st, line) });
    } else if (cells.length === 2) {
      out.grpc.push({ rpc: cells[0]!, status: status(cells[1]!, line) });
    } else {
      throw new Error(`compatibility table line ${line}: expected 2 or 4 cells, got ${cells.length}`);
    }
  });
  return out;
}

/** Express path syntax (`:p`, `*rest`) to the doc syntax (`{p}`, `{rest...}`). */
export function docPath(expressPath: string): string {
  return expressPath.replace(/\*(\w+)/g, "{$1...}").replace(/:(\w+)/g, "{$1}");
}

/** A concrete URL for a doc path: every parameter gets a harmless sample value. */
export function samplePath(docPathText: string): string {
  return docPathText.replace(/\{(\w+)(\.\.\.)?\}/g, (_m, name: string) => `probe-${name.toLowerCase()}`);
}

/**
 * The markdown with each row's status replaced by the observed one (rows not
 * observed keep theirs). Used by `UPDATE_COMPATIBILITY=1 npx vitest run test/compat`.
 */
export function rewriteStatuses(markdown: string, http: Map<string, Status>, grpc: Map<string, Status>): string {
  return markdown.split("\n").map((text) => {
    if (!text.startsWith("|") || /^\|\s*-/.test(text)) return text;
    const cells = text.split("|").slice(1, -1).map((c) => c.trim());
    const observed = cells.length === 4 ? http.get(cells[2]!.replace(/`/g, "")) : cells.length === 2 ? grpc.get(cells[0]!) : undefined;
    if (!observed) return text;
    return text.replace(/\|\s*(implemented|not yet)\s*\|\s*$/, `| ${observed} |`);
  }).join("\n");
}
