// The single arbiter of docs/compatibility.md: every row is called on a real
// sidecar, and `not yet` must be exactly the rows that answer Dapr's
// not-implemented error. Shutdown rows run last (they stop the sidecar).
import * as grpc from "@grpc/grpc-js";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprService } from "../../sidecar/api/grpc/protos.js";
import { daprHttpRoutes } from "../../sidecar/api/http/not-implemented-routes.js";
import { repoRoot, startSidecar, waitExit, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { docPath, parseCompatibilityTable, rewriteStatuses, samplePath, type HttpRow, type Status } from "./compatibility-table.js";
import { daprClient, probeRpc, type DaprClient } from "./raw-grpc-client.js";

const tablePath = path.join(repoRoot, "docs/compatibility.md");
const table = parseCompatibilityTable(readFileSync(tablePath, "utf8"));
const isShutdown = (r: HttpRow) => r.path === "/v1.0/shutdown";

// UPDATE_COMPATIBILITY=1 rewrites the table's statuses from what the sidecar
// answered (as snapshot tests update snapshots) instead of failing; review the diff.
const updating = process.env.UPDATE_COMPATIBILITY === "1";
const observedHttp = new Map<string, Status>();
const observedGrpc = new Map<string, Status>();
afterAll(() => {
  if (updating) writeFileSync(tablePath, rewriteStatuses(readFileSync(tablePath, "utf8"), observedHttp, observedGrpc));
});

describe("docs/compatibility.md is complete", () => {
  it("lists every RPC of the Dapr service in the proto, and nothing else", () => {
    const proto = Object.keys(daprService()).sort();
    const rows = table.grpc.map((r) => r.rpc).sort();
    expect(rows).toEqual(proto);
  });

  it("lists every known Dapr HTTP route with the same methods, and nothing else", () => {
    const known = daprHttpRoutes.map((r) => `${r.methods.join(", ")} ${docPath(r.path)}`).sort();
    const rows = table.http.map((r) => `${r.methods.join(", ")} ${r.path}`).sort();
    expect(rows).toEqual(known);
  });
});

describe("HTTP rows agree with the running sidecar", () => {
  let sidecar: SidecarProcess;
  beforeAll(async () => {
    sidecar = await startSidecar({ appId: uniqueName("compat-http") });
  });
  afterAll(async () => {
    await sidecar?.kill();
  });

  it("answers 501 ERR_NOT_IMPLEMENTED exactly for the rows marked 'not yet'", async () => {
    const disagreements: string[] = [];
    for (const row of table.http.filter((r) => !isShutdown(r))) {
      const seen = new Set<Status | "route missing">();
      for (const method of row.methods) {
        const res = await sidecar.http(samplePath(row.path), {
          method,
          headers: { "content-type": "application/json" },
          body: method === "GET" ? undefined : "{}",
        });
        const text = await res.text();
        let code = "";
        try {
          code = (JSON.parse(text) as { errorCode?: string }).errorCode ?? "";
        } catch {
          // not a Dapr error body
        }
        const notImplemented = res.status === 501 && code === "ERR_NOT_IMPLEMENTED";
        const routeMissing = code === "ERR_NOT_FOUND";
        seen.add(notImplemented ? "not yet" : routeMissing ? "route missing" : "implemented");
        if (updating) continue;
        if (row.status === "not yet" && !notImplemented) disagreements.push(`${method} ${row.path}: marked 'not yet' but answered ${res.status} ${text.slice(0, 120)}`);
        if (row.status === "implemented" && (notImplemented || routeMissing)) disagreements.push(`${method} ${row.path}: marked 'implemented' but answered ${res.status} ${code}`);
      }
      // A row is updated only when all its methods agree; a mixed row stays and keeps failing.
      const only = seen.size === 1 ? [...seen][0]! : undefined;
      if (only && only !== "route missing") observedHttp.set(row.path, only);
    }
    expect(disagreements).toEqual([]);
  });

  it("POST /v1.0/shutdown matches its row", async () => {
    const row = table.http.find(isShutdown)!;
    const res = await sidecar.http("/v1.0/shutdown", { method: "POST" });
    observedHttp.set(row.path, res.status === 501 ? "not yet" : "implemented");
    if (updating) return;
    if (row.status === "implemented") {
      expect(res.status).toBe(204);
      expect(await waitExit(sidecar)).toBe(0);
    } else {
      expect(res.status).toBe(501);
    }
  });
});

describe("gRPC rows agree with the running sidecar", () => {
  let sidecar: SidecarProcess;
  let client: DaprClient;
  beforeAll(async () => {
    sidecar = await startSidecar({ appId: uniqueName("compat-grpc") });
    client = daprClient(sidecar.grpcPort);
  });
  afterAll(async () => {
    client?.close();
    await sidecar?.kill();
  });

  // The server's own "not built" answer names the RPC; a built handler that
  // reports an unsupported feature (also UNIMPLEMENTED) does not look like it.
  const unbuilt = (rpc: string, o: { code: grpc.status; details: string }) => o.code === grpc.status.UNIMPLEMENTED && o.details.includes(rpc);

  it("answers UNIMPLEMENTED naming the RPC exactly for the rows marked 'not yet'", async () => {
    const service = daprService();
    const disagreements: string[] = [];
    const rows = table.grpc.filter((r) => r.rpc !== "Shutdown" && service[r.rpc]);
    const outcomes = await Promise.all(rows.map((r) => probeRpc(client, r.rpc, service[r.rpc]!)));
    rows.forEach((row, i) => {
      const o = outcomes[i]!;
      const notBuilt = unbuilt(row.rpc, o);
      observedGrpc.set(row.rpc, notBuilt ? "not yet" : "implemented");
      if (updating) return;
      if (row.status === "not yet" && !notBuilt) disagreements.push(`${row.rpc}: marked 'not yet' but answered ${grpc.status[o.code]} ${o.details}`);
      if (row.status === "implemented" && notBuilt) disagreements.push(`${row.rpc}: marked 'implemented' but answered ${o.details}`);
    });
    expect(disagreements).toEqual([]);
  });

  it("Shutdown matches its row", async () => {
    const row = table.grpc.find((r) => r.rpc === "Shutdown")!;
    const o = await probeRpc(client, "Shutdown", daprService()["Shutdown"]!);
    observedGrpc.set("Shutdown", unbuilt("Shutdown", o) ? "not yet" : "implemented");
    if (updating) return;
    if (row.status === "implemented") {
      expect(o.code).toBe(grpc.status.OK);
      expect(await waitExit(sidecar)).toBe(0);
    } else {
      expect(unbuilt("Shutdown", o)).toBe(true);
    }
  });
});
