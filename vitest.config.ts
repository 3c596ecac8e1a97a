import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Database-heavy files each create their own databases; two at a time fits a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
