// `matching.httpStatusCodes` / `matching.gRPCStatusCodes` of a retry policy:
// comma-separated codes or ranges ("429,500-599"). Parsed as dapr/dapr
// pkg/resiliency/retry.go does: no spaces, each code within its protocol's range,
// empty items ignored, and an empty string means "retry every code".

import type { StatusCode } from "./errors.js";

interface CodeRange {
  start: number;
  end: number;
}

const httpRange: CodeRange = { start: 100, end: 599 };
const grpcRange: CodeRange = { start: 0, end: 16 };

/** Go's strconv.Atoi: optional sign and decimal digits, nothing else. */
function atoi(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

function compile(pattern: string, valid: CodeRange): CodeRange {
  const parts = pattern.split("-");
  if (parts.length > 2) throw new Error(`invalid pattern ${pattern}, more than one '-' exists`);
  const start = atoi(parts[0]!);
  if (start === undefined) throw new Error(`failed to parse start code ${JSON.stringify(parts[0])} from pattern ${pattern}`);
  if (start < valid.start || start > valid.end) throw new Error(`invalid pattern ${pattern}, start code ${start} is not valid`);
  let end = start;
  if (parts.length === 2) {
    const e = atoi(parts[1]!);
    if (e === undefined) throw new Error(`failed to parse end code ${JSON.stringify(parts[1])} from pattern ${pattern}`);
    end = e;
  }
  if (end < valid.start || end > valid.end) throw new Error(`invalid pattern ${pattern}, end code ${end} is not valid`);
  if (end < start) throw new Error(`invalid pattern ${pattern}, start value should not bigger than end value`);
  return { start, end };
}

function parsePatterns(raw: unknown, valid: CodeRange): CodeRange[] | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  // A lone code may arrive as a YAML number.
  if (typeof raw !== "string" && typeof raw !== "number") throw new Error(`expected a string of codes, got ${JSON.stringify(raw)}`);
  const patterns = String(raw);
  const out: CodeRange[] = [];
  for (const p of patterns.split(",")) {
    if (p.length === 0) continue;
    out.push(compile(p, valid));
  }
  return out;
}

function matches(code: number, ranges: CodeRange[] | undefined): boolean {
  if (ranges === undefined) return true; // no filter: every code is retried
  return ranges.some((r) => r.start <= code && code <= r.end);
}

export class StatusCodeFilter {
  private constructor(
    private readonly http: CodeRange[] | undefined,
    private readonly grpc: CodeRange[] | undefined,
  ) {}

  /** Throws an Error naming the bad pattern. */
  static parse(matching?: { httpStatusCodes?: unknown; gRPCStatusCodes?: unknown }): StatusCodeFilter {
    return new StatusCodeFilter(
      parsePatterns(matching?.httpStatusCodes, httpRange),
      parsePatterns(matching?.gRPCStatusCodes, grpcRange),
    );
  }

  static readonly all = new StatusCodeFilter(undefined, undefined);

  /** True if a failure with this status should be retried. */
  shouldRetry(status: StatusCode): boolean {
    if (status.httpStatus !== undefined) return matches(status.httpStatus, this.http);
    if (status.grpcCode !== undefined) return matches(status.grpcCode, this.grpc);
    return true;
  }
}
