import { describe, expect, it } from "vitest";
import { fitsHttp1 } from "./call-local-http1-wire.js";

describe("which calls travel over HTTP/1.1 between dapr-ts sidecars", () => {
  it("takes methods and queries that go into a request line byte for byte", () => {
    expect(fitsHttp1("orders/1", "", { "dapr-caller-app-id": "a", traceparent: "00-x" })).toBe(true);
    expect(fitsHttp1("a%2Fb/%20c..d", "x=%20&y=1", {})).toBe(true);
    expect(fitsHttp1("", "", {})).toBe(true);
  });

  it("leaves to gRPC what HTTP/1.1 would change or cannot carry", () => {
    for (const method of ["a b", "a?b", "a#b", "caf\u00e9", "tab\t", "nul\u0000"]) expect(fitsHttp1(method, "", {})).toBe(false);
    for (const query of ["a=1 2", "a#frag", "q=\u00fc"]) expect(fitsHttp1("m", query, {})).toBe(false);
    // Headers this hop sets itself, and the hop's own control headers, arriving as metadata.
    for (const name of ["host", "connection", "transfer-encoding", "content-length", "upgrade", "te", "expect", "dapr-ts-verb", "dapr-ts-anything"]) {
      expect(fitsHttp1("m", "", { [name]: "x" })).toBe(false);
    }
  });
});
