// /readyz says "ready" only once every informer cache has synced: without the
// dapr.io CRDs the lists fail and the operator stays unready (yet alive), and
// it becomes ready on its own once they are installed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installDaprCrds, startOperatorFor, type OperatorHandle } from "../test/e2e-k8s/operator-harness.js";
import { startKubeApi, type KubeApi } from "../test/kube-api/server.js";
import { eventually } from "../test/kube-api/test-client.js";

let api: KubeApi;
let op: OperatorHandle | undefined;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false, namespaces: ["dapr-system"] });
});
afterAll(async () => {
  await op?.stop();
  await api.stop();
});

describe("operator readiness", () => {
  it("is alive but not ready until the CRDs exist, then ready without a restart", async () => {
    op = await startOperatorFor(api, { extraArgs: ["--log-level", "fatal"] });
    const probe = async (path: string) => (await fetch(`http://127.0.0.1:${op!.healthzPort}${path}`)).status;
    await new Promise((r) => setTimeout(r, 300));
    expect(await probe("/healthz")).toBe(200);
    expect(await probe("/readyz")).toBe(503);
    expect(op.operator.isSynced()).toBe(false);
    await installDaprCrds(api);
    await eventually(async () => (await probe("/readyz")) === 200, 15_000, "ready after the CRDs appear");
  });
});
