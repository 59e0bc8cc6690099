import { describe, expect, it } from "vitest";
import { parseHttpBindingReply } from "../../app-channel/http-app-channel.js";
import { DaprError } from "../../errors/catalog.js";
import { parseOutputBindingBody } from "./bindings-http.js";

describe("parseOutputBindingBody", () => {
  it("sends a string as its text and anything else as JSON", () => {
    expect(parseOutputBindingBody("b", { operation: "create", data: "hi" }).data.toString()).toBe("hi");
    expect(parseOutputBindingBody("b", { operation: "create", data: { a: 1 } }).data.toString()).toBe('{"a":1}');
    expect(parseOutputBindingBody("b", { operation: "create", data: 5 }).data.toString()).toBe("5");
    expect(parseOutputBindingBody("b", { operation: "get" }).data.length).toBe(0);
    expect(parseOutputBindingBody("b", { operation: "get", metadata: { key: "k" } })).toMatchObject({ name: "b", operation: "get", metadata: { key: "k" } });
  });

  it("refuses malformed bodies with ERR_MALFORMED_REQUEST", () => {
    for (const bad of [[], "text", null, { operation: 3 }, { metadata: [] }, { metadata: { key: 1 } }]) {
      let err: unknown;
      try {
        parseOutputBindingBody("b", bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DaprError);
      expect((err as DaprError).errorCode).toBe("ERR_MALFORMED_REQUEST");
    }
  });
});

describe("parseHttpBindingReply", () => {
  it("reads state, to, concurrency and data", () => {
    const r = parseHttpBindingReply(Buffer.from(JSON.stringify({
      storeName: "s", state: [{ key: "k", value: { v: 1 } }, { nokey: true }], to: ["a", 3, "b"], concurrency: "parallel", data: { d: 2 },
    })));
    expect(r.storeName).toBe("s");
    expect(r.states.map((x) => [x.key, x.value.toString()])).toEqual([["k", '{"v":1}']]);
    expect(r.to).toEqual(["a", "b"]);
    expect(r.concurrency).toBe("parallel");
    expect(r.data?.toString()).toBe('{"d":2}');
  });

  it("treats any other body as no reply", () => {
    for (const body of ["", "not json", "[1,2]", '"text"', "{}"]) {
      expect(parseHttpBindingReply(Buffer.from(body))).toEqual({ states: [], to: [], concurrency: "sequential" });
    }
  });
});
