import { describe, it, expect } from "vitest";
import { StatusCodeFilter } from "./status-codes.js";

describe("StatusCodeFilter", () => {
  it("retries everything when no matching is given", () => {
    const f = StatusCodeFilter.parse(undefined);
    expect(f.shouldRetry({ httpStatus: 404 })).toBe(true);
    expect(f.shouldRetry({ grpcCode: 3 })).toBe(true);
    expect(StatusCodeFilter.parse({ httpStatusCodes: "" }).shouldRetry({ httpStatus: 400 })).toBe(true);
  });

  it("matches single codes and ranges per protocol", () => {
    const f = StatusCodeFilter.parse({ httpStatusCodes: "429,500-503,,", gRPCStatusCodes: "1-4,14" });
    expect(f.shouldRetry({ httpStatus: 429 })).toBe(true);
    expect(f.shouldRetry({ httpStatus: 502 })).toBe(true);
    expect(f.shouldRetry({ httpStatus: 504 })).toBe(false);
    expect(f.shouldRetry({ httpStatus: 404 })).toBe(false);
    expect(f.shouldRetry({ grpcCode: 14 })).toBe(true);
    expect(f.shouldRetry({ grpcCode: 5 })).toBe(false);
    expect(f.shouldRetry({})).toBe(true);
  });

  it("an HTTP-only filter leaves gRPC codes retried", () => {
    const f = StatusCodeFilter.parse({ httpStatusCodes: "503" });
    expect(f.shouldRetry({ grpcCode: 2 })).toBe(true);
    expect(f.shouldRetry({ httpStatus: 500 })).toBe(false);
  });

  it.each([
    [{ httpStatusCodes: "500-599-600" }, "more than one '-'"],
    [{ httpStatusCodes: "abc" }, "failed to parse start code"],
    [{ httpStatusCodes: "500-x" }, "failed to parse end code"],
    [{ httpStatusCodes: "99" }, "start code 99 is not valid"],
    [{ httpStatusCodes: "500-600" }, "end code 600 is not valid"],
    [{ httpStatusCodes: "503-500" }, "start value should not bigger than end value"],
    [{ httpStatusCodes: "429, 500" }, "failed to parse start code"],
    [{ gRPCStatusCodes: "17" }, "start code 17 is not valid"],
  ])("rejects %j", (matching, why) => {
    expect(() => StatusCodeFilter.parse(matching)).toThrow(why);
  });
});
