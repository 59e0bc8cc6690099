// The demo's order_processing_workflow (official SDK) on the embedded default
// sidecar (SQLite actor state store): one order ships, one is rejected, one
// is compensated after its payment fails.
import { describe, expect, it } from "vitest";
import { runWorkflowDemo } from "../../demo/workflow-demo.js";
import { startSidecar } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";

describe("the order-processing workflow demo", () => {
  it("ships, rejects and compensates orders as the seed describes", async () => {
    const sc = await startSidecar({ appId: uniqueName("wf-demo") });
    const lines: string[] = [];
    try {
      const results = await runWorkflowDemo((l) => lines.push(l), { grpc: sc.grpcPort });
      expect(results.map((r) => r.status)).toEqual(["completed", "rejected", "cancelled"]);
      expect(results[0]!.tracking_number).toBe("trk-wf-ord-1");
      expect(results[2]!.reason).toMatch(/payment declined/);
      const text = lines.join("\n");
      expect(text).toMatch(/release_inventory wf-ord-3 \(compensation\)/);
      expect(text).not.toMatch(/ship_order wf-ord-3/);
    } finally {
      await sc.stop();
    }
  }, 60_000);
});
