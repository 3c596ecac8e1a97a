import { describe, expect, it } from "vitest";
import { medianBy, percentile } from "../../bench/stats.js";

describe("medianBy", () => {
  const run = (name: string, ratio: number) => ({ name, ratio });

  it("picks the run in the middle by its key, whatever order the runs came in", () => {
    const runs = [run("first", 0.91), run("second", 0.64), run("third", 0.78)];
    expect(medianBy(runs, (r) => r.ratio).name).toBe("third");
  });

  it("takes the later of the two middle runs for an even count", () => {
    const runs = [run("a", 4), run("b", 1), run("c", 3), run("d", 2)];
    expect(medianBy(runs, (r) => r.ratio).name).toBe("c");
  });

  it("leaves the runs as they were", () => {
    const runs = [run("a", 3), run("b", 1), run("c", 2)];
    medianBy(runs, (r) => r.ratio);
    expect(runs.map((r) => r.name)).toEqual(["a", "b", "c"]);
  });

  it("refuses to make a figure of no runs", () => {
    expect(() => medianBy([], (r: { ratio: number }) => r.ratio)).toThrow(/no run/);
  });
});

describe("percentile", () => {
  it("is the nearest rank", () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});
