import { describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

describe("operator main", () => {
  it("prints usage for --help and exits 1 on a bad flag, naming it", async () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["--help"])).toBe(0);
      expect(String(out.mock.calls[0]?.[0])).toContain("Usage: dapr-ts operator");
      expect(await main(["--workers", "none"], { env: {} })).toBe(1);
      expect(String(err.mock.calls[0]?.[0])).toContain("--workers");
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it("exits 1 with a clear log line when the kubeconfig cannot be read", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["--kubeconfig", "/nonexistent/kubeconfig", "--healthz-port=-1", "--metrics-port=-1"], { env: {} })).toBe(1);
      expect(err.mock.calls.map((c) => String(c[0])).join("")).toContain("operator failed");
    } finally {
      err.mockRestore();
    }
  });
});
