// --app-max-concurrency: the sidecar never has more calls in flight into its
// app than the limit; the rest wait their turn and all complete.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("app max concurrency", () => {
  let app: TestApp;
  let sidecar: SidecarProcess;
  const appId = uniqueName("limited");
  let inFlight = 0;
  let peak = 0;

  beforeAll(async () => {
    app = await startTestApp({
      "/slow": () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        // The reply is delayed by the app; count down when it is sent.
        setTimeout(() => inFlight--, 150);
        return { body: { ok: true }, delayMs: 150 };
      },
    });
    sidecar = await startSidecar({ appId, args: ["--app-port", String(app.port), "--app-max-concurrency", "2"] });
  });
  afterAll(async () => {
    await sidecar?.stop();
    await app?.close();
  });

  it("holds calls into the app to the limit and completes all of them", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => sidecar.http(`/v1.0/invoke/${appId}/method/slow`, { method: "POST", body: "{}" }).then((r) => r.status)),
    );
    expect(results).toEqual(Array(10).fill(200));
    expect(peak).toBe(2);
  });
});
