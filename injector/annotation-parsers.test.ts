import { describe, it, expect } from "vitest";
import * as p from "./annotation-parsers.js";

describe("annotation parsers", () => {
  it("reads booleans as Dapr does, and flags nonsense", () => {
    for (const v of ["true", "True", "1", "yes", "y", "on", "t"]) expect(p.bool(v), v).toEqual({ ok: true, value: true });
    for (const v of ["false", "0", "no", "off", "", " FALSE "]) expect(p.bool(v), v).toEqual({ ok: true, value: false });
    expect(p.bool("ture").ok).toBe(false);
  });

  it("accepts only whole numbers in range", () => {
    expect(p.port("8080")).toEqual({ ok: true, value: 8080 });
    for (const v of ["0", "65536", "80.5", "1e3", "", " ", "0x50", "abc"]) expect(p.port(v).ok, v).toBe(false);
    expect(p.intInRange(-1, 10)("-1")).toEqual({ ok: true, value: -1 });
    expect(p.nonNegative("0")).toEqual({ ok: true, value: 0 });
    expect(p.positive("0").ok).toBe(false);
  });

  it("splits env lists only where a new NAME= starts", () => {
    expect(p.envList("A=1,B=x,y,C=")).toEqual({ ok: true, value: [{ name: "A", value: "1" }, { name: "B", value: "x,y" }, { name: "C", value: "" }] });
    expect(p.envList("URL=http://h/?a=b")).toEqual({ ok: true, value: [{ name: "URL", value: "http://h/?a=b" }] });
    expect(p.envList("")).toEqual({ ok: true, value: [] });
    expect(p.envList("1BAD=x").ok).toBe(false);
  });

  it("reads env-from-secret with and without a key", () => {
    expect(p.envFromSecretList("A=s1, B=s2:k.ey")).toEqual({ ok: true, value: [{ name: "A", secret: "s1", key: "s1" }, { name: "B", secret: "s2", key: "k.ey" }] });
    const mixed = p.envFromSecretList("A=s1,=x");
    expect(mixed).toMatchObject({ ok: true, value: [{ name: "A" }], notes: [expect.stringContaining("'=x'")] });
    expect(p.envFromSecretList("A=Upper").ok).toBe(false);
  });

  it("checks Kubernetes quantities and sizes", () => {
    for (const v of ["100m", "0.5", "1", "128Mi", "1Gi", "1e3", "2k"]) expect(p.quantity(v).ok, v).toBe(true);
    for (const v of ["lots", "1 Gi", "-1", "Mi"]) expect(p.quantity(v).ok, v).toBe(false);
    for (const v of ["4Mi", "16M", "1048576", "1.5Gi"]) expect(p.byteSize(v).ok, v).toBe(true);
    expect(p.byteSize("big").ok).toBe(false);
  });

  it("checks app ids and secret names as Kubernetes names", () => {
    expect(p.appId("order-processor")).toEqual({ ok: true, value: "order-processor" });
    expect(p.appId("")).toEqual({ ok: true, value: undefined });
    for (const v of ["Orders", "orders_", "-x", "a".repeat(59)]) expect(p.appId(v).ok, v).toBe(false);
    expect(p.secretName("my.secret-1").ok).toBe(true);
    expect(p.secretName("My Secret").ok).toBe(false);
  });

  it("reads volume mounts and listen addresses", () => {
    expect(p.volumeMountList("a:/x, b:/y")).toEqual({ ok: true, value: [{ volume: "a", mountPath: "/x" }, { volume: "b", mountPath: "/y" }] });
    expect(p.volumeMountList("a:relative").ok).toBe(false);
    expect(p.listenAddresses("[::1], 127.0.0.1")).toEqual({ ok: true, value: "[::1],127.0.0.1" });
    expect(p.listenAddresses("a,,b").ok).toBe(false);
  });
});
