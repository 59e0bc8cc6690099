import { describe, expect, it } from "vitest";
import { docPath, parseCompatibilityTable, rewriteStatuses, samplePath } from "./compatibility-table.js";

describe("compatibility table parser", () => {
  it("reads HTTP and gRPC rows and skips headers", () => {
    const t = parseCompatibilityTable([
      "| API | Methods | Path | Status |", "|---|---|---|---|",
      "| state | POST, PUT | `/v1.0/state/{store}` | implemented |",
      "", "| RPC | Status |", "|---|---|", "| GetState | not yet |",
    ].join("\n"));
    expect(t.http).toEqual([{ api: "state", methods: ["POST", "PUT"], path: "/v1.0/state/{store}", status: "implemented" }]);
    expect(t.grpc).toEqual([{ rpc: "GetState", status: "not yet" }]);
  });

  it("rejects an unknown status and a malformed row, naming the line", () => {
    expect(() => parseCompatibilityTable("| GetState | maybe |")).toThrow(/line 1: status must be/);
    expect(() => parseCompatibilityTable("\n| a | b | c |")).toThrow(/line 2: expected 2 or 4 cells/);
  });

  it("converts express paths and fills parameters", () => {
    expect(docPath("/v1.0/publish/:pubsub/*topic")).toBe("/v1.0/publish/{pubsub}/{topic...}");
    expect(samplePath("/v1.0/publish/{pubsub}/{topic...}")).toBe("/v1.0/publish/probe-pubsub/probe-topic");
  });

  it("rewrites only the statuses that were observed", () => {
    const md = "| API | Methods | Path | Status |\n| lock | POST | `/v1.0-alpha1/lock/{store}` | not yet |\n| a | GET | `/x` | not yet |\n| GetState | not yet |\n| Shutdown | implemented |";
    const out = rewriteStatuses(md, new Map([["/v1.0-alpha1/lock/{store}", "implemented"]]), new Map([["GetState", "implemented"]]));
    expect(out).toBe("| API | Methods | Path | Status |\n| lock | POST | `/v1.0-alpha1/lock/{store}` | implemented |\n| a | GET | `/x` | not yet |\n| GetState | implemented |\n| Shutdown | implemented |");
  });
});
