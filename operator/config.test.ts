import { describe, expect, it } from "vitest";
import { parseOperatorConfig } from "./config.js";

describe("parseOperatorConfig", () => {
  it("reads the chart's flags and the downward-API env", () => {
    const c = parseOperatorConfig(["--log-level", "debug", "--log-as-json", "--healthz-port", "8080", "--metrics-port", "9090"], { NAMESPACE: "dapr-system", POD_NAME: "dapr-ts-operator-abc" });
    expect(c).toMatchObject({ logLevel: "debug", logAsJson: true, healthzPort: 8080, metricsPort: 9090, namespace: "dapr-system", identity: "dapr-ts-operator-abc", leaderElection: true, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 });
  });

  it("gives each replica a distinct identity without POD_NAME", () => {
    expect(parseOperatorConfig([], {}).identity).not.toBe(parseOperatorConfig([], {}).identity);
  });

  it("takes Go durations and checks their order", () => {
    expect(parseOperatorConfig(["--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "500ms"], {})).toMatchObject({ leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
    expect(() => parseOperatorConfig(["--lease-duration", "soon"], {})).toThrow(/--lease-duration/);
    expect(() => parseOperatorConfig(["--lease-duration", "5s"], {})).toThrow(/--renew-deadline must be shorter/);
  });

  it("refuses bad values and unknown flags with the flag's name", () => {
    expect(() => parseOperatorConfig(["--healthz-port", "http"], {})).toThrow(/--healthz-port/);
    expect(() => parseOperatorConfig(["--log-level", "loud"], {})).toThrow(/invalid log level/);
    expect(() => parseOperatorConfig(["--leader-election=maybe"], {})).toThrow(/--leader-election/);
    expect(() => parseOperatorConfig(["--nope"], {})).toThrow(/nope/);
    expect(parseOperatorConfig(["--leader-election=false", "--metrics-port=-1"], {})).toMatchObject({ leaderElection: false, metricsPort: -1 });
  });
});

describe("the chart's operator Deployment", () => {
  it("passes flags and env the operator accepts", async () => {
    const { renderChart } = await import("../test/chart/render.js");
    const chart = await renderChart({ values: { global: { logLevel: "debug", logAsJson: true } } });
    const deployment = chart.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "dapr-ts-operator")!;
    const container = (deployment.spec as { template: { spec: { containers: { command: string[]; args: string[]; env: { name: string }[] }[] } } }).template.spec.containers[0]!;
    expect(container.command).toEqual(["dapr-ts", "operator"]);
    const env = Object.fromEntries(container.env.map((e) => [e.name, `from-${e.name}`]));
    const cfg = parseOperatorConfig(container.args, env);
    expect(cfg).toMatchObject({ logLevel: "debug", logAsJson: true, healthzPort: 8080, metricsPort: 9090, namespace: "from-NAMESPACE", identity: "from-POD_NAME" });
  });
});
