import { defineConfig } from "vitest/config";

// Integration tests start real servers and sidecar processes; give them room,
// and keep files in separate processes so a crashing one cannot take others down.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
