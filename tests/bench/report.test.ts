import { describe, expect, it } from "vitest";
import { format } from "../../bench/report.js";

describe("format.ratioAgainst", () => {
  it("shows two digits, as every ratio", () => {
    expect(format.ratioAgainst(0.9012, 0.8)).toBe("0.90×");
    expect(format.ratioAgainst(0.07, 0.25)).toBe("0.07×");
  });

  it("shows a third where two would round a miss onto the target", () => {
    expect(format.ratioAgainst(0.798, 0.8)).toBe("0.798×");
    expect(format.ratioAgainst(3.004, 3)).toBe("3.004×");
  });

  it("shows the target itself as it is", () => {
    expect(format.ratioAgainst(0.8, 0.8)).toBe("0.80×");
  });
});
