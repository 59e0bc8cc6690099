import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { isMethodPath, isTruthy, outboundRequestMetadata, withoutTransportKeys } from "./grpc-proxy-metadata.js";

function md(entries: Record<string, string | Buffer>): grpc.Metadata {
  const m = new grpc.Metadata();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
}

describe("gRPC proxy metadata", () => {
  it("forwards the app's metadata, drops the API token and stamps Dapr's caller, callee and trace", () => {
    const incoming = md({
      "x-custom": "1", "x-blob-bin": Buffer.from([9]), "dapr-app-id": "orders", "dapr-api-token": "secret",
      "dapr-caller-app-id": "spoofed", "user-agent": "grpc-node", "content-type": "application/grpc",
    });
    const out = outboundRequestMetadata(incoming, { callerAppId: "web", callerNamespace: "prod", calleeAppId: "orders", traceparent: "00-a-b-01" });
    expect(out.getMap()).toEqual({
      "x-custom": "1", "x-blob-bin": Buffer.from([9]), "dapr-app-id": "orders",
      "dapr-caller-app-id": "web", "dapr-caller-namespace": "prod", "dapr-callee-app-id": "orders", traceparent: "00-a-b-01",
    });
    // The incoming metadata is left as it was.
    expect(incoming.get("dapr-api-token")).toEqual(["secret"]);
  });

  it("keeps response headers and trailers, rich error details included, without per-exchange keys", () => {
    const out = withoutTransportKeys(md({ "content-type": "application/grpc", "grpc-encoding": "gzip", "x-reply": "r", "grpc-status-details-bin": Buffer.from([1, 2]) }));
    expect(out.getMap()).toEqual({ "x-reply": "r", "grpc-status-details-bin": Buffer.from([1, 2]) });
  });

  it("reads dapr-stream as Dapr reads a true flag", () => {
    for (const v of ["true", "TRUE", "1", "yes", "y", "on", "t"]) expect(isTruthy(v)).toBe(true);
    for (const v of [undefined, "", "false", "0", "no", "streaming"]) expect(isTruthy(v)).toBe(false);
  });

  it("takes only /service/method paths", () => {
    expect(isMethodPath("/helloworld.Greeter/SayHello")).toBe(true);
    for (const p of ["/", "/onlyservice", "helloworld.Greeter/SayHello", "/a/b/c", "//x"]) expect(isMethodPath(p)).toBe(false);
  });
});
