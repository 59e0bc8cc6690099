// Between dapr-ts sidecars, invocations move from gRPC to framed calls once the
// callee says its internal port takes them, stay on gRPC with a callee that
// does not (a Dapr sidecar, or DAPR_TS_INTERNAL_FRAMES=false), and fall back
// to gRPC when the sidecar behind an address changes.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const SWITCHED = "calls to it go that way from now on";
const FELL_BACK = "calls to this sidecar go over gRPC until it offers framed calls again";

describe("the transport between two dapr-ts sidecars", () => {
  let home: string;
  let app: TestApp;
  let caller: SidecarProcess;
  const started: SidecarProcess[] = [];

  const callee = async (appId: string, extra: { internalPort?: number; env?: Record<string, string> } = {}) => {
    const args = ["--app-port", String(app.port)];
    if (extra.internalPort) args.push("--dapr-internal-grpc-port", String(extra.internalPort));
    const sc = await startSidecar({ appId, args, env: { DAPR_TS_HOME: home, ...extra.env } });
    started.push(sc);
    return sc;
  };
  const invoke = async (appId: string, body = "{}") => {
    const r = await caller.http(`/v1.0/invoke/${appId}/method/echo?n=1`, { method: "POST", headers: { "content-type": "text/plain", "x-h": "v" }, body });
    return { status: r.status, body: await r.text(), header: r.headers.get("x-echo") };
  };

  /** How many times the caller logged switching to framed calls to `appId`. */
  const switchesTo = (appId: string) => caller.logs().split("\n").filter((l) => l.includes(SWITCHED) && l.includes(appId)).length;
  /** A callee at `internalPort`, called until the caller has switched to framed calls to it. */
  const calledFramed = async (appId: string, internalPort: number) => {
    const sc = await callee(appId, { internalPort });
    await invoke(appId, "a");
    await invoke(appId, "b");
    expect(switchesTo(appId)).toBe(1);
    return sc;
  };

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-internal-frames-"));
    app = await startTestApp({
      "/echo": (r) => ({ body: `${r.url} ${r.headers["x-h"]} ${r.body.toString()}`, headers: { "x-echo": "yes", "content-type": "text/plain" } }),
    });
    caller = await startSidecar({ appId: uniqueName("frames-caller"), env: { DAPR_TS_HOME: home } });
  }, 60_000);
  afterAll(async () => {
    await caller?.stop();
    for (const sc of started) await sc.stop();
    await app?.close();
  });

  it("switches to framed calls after the first call to a dapr-ts callee; every call answers the same", async () => {
    const id = uniqueName("frames-callee");
    await callee(id);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await invoke(id, `call ${i}`));
    expect(answers).toEqual([0, 1, 2, 3].map((i) => ({ status: 200, body: `/echo?n=1 v call ${i}`, header: "yes" })));
    expect(switchesTo(id)).toBe(1);
    // A large body streams framed as it did over gRPC.
    const big = "x".repeat(3 * 1024 * 1024);
    expect((await invoke(id, big)).body).toBe(`/echo?n=1 v ${big}`);
  });

  it("stays on gRPC with a callee that does not offer framed calls", async () => {
    const id = uniqueName("grpc-callee");
    await callee(id, { env: { DAPR_TS_INTERNAL_FRAMES: "false" } });
    for (let i = 0; i < 3; i++) expect(await invoke(id, `g${i}`)).toEqual({ status: 200, body: `/echo?n=1 v g${i}`, header: "yes" });
    expect(switchesTo(id)).toBe(0);
  });

  it("answers 500 ERR_DIRECT_INVOKE when a callee called framed is killed, and serves again once it is back", async () => {
    const id = uniqueName("killed-callee");
    const internalPort = await freePort();
    const first = await calledFramed(id, internalPort);
    await first.kill();
    const started = Date.now();
    const down = await caller.http(`/v1.0/invoke/${id}/method/echo`, { method: "POST", body: "anyone?" });
    expect(down.status).toBe(500);
    expect(((await down.json()) as { errorCode: string }).errorCode).toBe("ERR_DIRECT_INVOKE");
    expect(Date.now() - started).toBeLessThan(2_000);
    await callee(id, { internalPort });
    for (let i = 0; i < 3; i++) expect(await invoke(id, `back ${i}`)).toEqual({ status: 200, body: `/echo?n=1 v back ${i}`, header: "yes" });
    // Framed again: the restarted callee offered it on its first (gRPC) answer.
    expect(switchesTo(id)).toBe(2);
  }, 60_000);

  it("falls back to gRPC, without failing the call, when a gRPC-only sidecar takes over the address", async () => {
    const id = uniqueName("moving-callee");
    const internalPort = await freePort();
    const first = await calledFramed(id, internalPort);
    await first.stop();
    await callee(id, { internalPort, env: { DAPR_TS_INTERNAL_FRAMES: "false" } });
    expect(await invoke(id, "after")).toEqual({ status: 200, body: "/echo?n=1 v after", header: "yes" });
    expect(caller.logs()).toContain(FELL_BACK);
    expect(await invoke(id, "again")).toEqual({ status: 200, body: "/echo?n=1 v again", header: "yes" });
  }, 60_000);
});
