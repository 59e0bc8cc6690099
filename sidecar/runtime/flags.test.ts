import { describe, expect, it } from "vitest";
import { parseByteSize, parseSidecarFlags } from "./flags.js";

describe("parseSidecarFlags", () => {
  it("takes daprd's defaults", () => {
    const o = parseSidecarFlags([], {});
    expect(o).toMatchObject({ daprHttpPort: 3500, daprGrpcPort: 50001, metricsPort: 9090, maxBodySize: 4 * 1024 ** 2, gracefulShutdownSeconds: 5, enableMetrics: true });
  });

  it("accepts single-dash flags, --components-path as an alias, and Go boolean spellings", () => {
    const o = parseSidecarFlags(["-app-id", "a", "--components-path", "/c", "--resources-path", "/r", "--enable-metrics=f", "--log-as-json"], {});
    expect(o.appId).toBe("a");
    expect(o.resourcesPaths).toEqual(["/r", "/c"]);
    expect(o.enableMetrics).toBe(false);
    expect(o.logAsJson).toBe(true);
  });

  it("rejects values that are not what the flag takes, naming the flag", () => {
    const bad: [string[], RegExp][] = [
      [["--dapr-graceful-shutdown-seconds", "soon"], /--dapr-graceful-shutdown-seconds: invalid integer 'soon'/],
      [["--app-max-concurrency", "1.5"], /--app-max-concurrency: invalid integer '1.5'/],
      [["--app-health-threshold", "x"], /--app-health-threshold: invalid integer 'x'/],
      [["--enable-metrics=maybe"], /--enable-metrics: invalid boolean 'maybe'/],
      [["--metrics-port", "99999"], /--metrics-port: invalid port '99999'/],
      [["--dapr-grpc-port", "70000"], /--dapr-grpc-port: invalid port '70000'/],
      [["--app-protocol", "ftp"], /--app-protocol: expected one of/],
      [["--mode", "cloud"], /--mode: expected standalone or kubernetes/],
      [["--log-level", "loud"], /invalid log level 'loud'/],
    ];
    for (const [args, message] of bad) expect(() => parseSidecarFlags(args, {})).toThrow(message);
  });

  it("reads DAPR_TS_INTERNAL_FRAMES (on by default), naming it when its value is no boolean", () => {
    expect(parseSidecarFlags([], {}).internalFrames).toBe(true);
    expect(parseSidecarFlags([], { DAPR_TS_INTERNAL_FRAMES: "false" }).internalFrames).toBe(false);
    expect(() => parseSidecarFlags([], { DAPR_TS_INTERNAL_FRAMES: "sometimes" })).toThrow(/^DAPR_TS_INTERNAL_FRAMES: invalid boolean 'sometimes'/);
  });

  it("reads Kubernetes quantities for sizes", () => {
    expect(parseByteSize("1Ki")).toBe(1024);
    expect(parseByteSize("2M")).toBe(2_000_000);
    expect(() => parseByteSize("lots")).toThrow(/invalid size 'lots'/);
  });
});
