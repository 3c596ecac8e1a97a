import { describe, expect, it } from "vitest";
import { closedLoop } from "../../bench/load.js";

describe("closedLoop", () => {
  it("calls onMeasuredWindow once, between the warm-up and the requests it counts", async () => {
    let windows = 0;
    let sentInWindow = 0;
    let sentInWarmup = 0;
    const result = await closedLoop({
      concurrency: 2,
      warmupMs: 30,
      durationMs: 30,
      onMeasuredWindow: () => {
        windows += 1;
      },
      send: async () => {
        if (windows === 0) sentInWarmup += 1;
        else sentInWindow += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        return 200;
      },
    });
    expect(windows).toBe(1);
    expect(sentInWarmup).toBeGreaterThan(0);
    expect(result.ok).toBe(sentInWindow);
  });
});
