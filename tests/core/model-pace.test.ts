import { describe, expect, it } from "vitest";
import { ModelPace, SLOW_MODEL_MS } from "../../src/core/model-pace.js";

describe("ModelPace", () => {
  it("is not slow before it has seen an answer", () => {
    const pace = new ModelPace();
    expect(pace.averageMs).toBeUndefined();
    expect(pace.slow).toBe(false);
  });

  it("takes the first answering time as it is", () => {
    const pace = new ModelPace();
    pace.note(1000);
    expect(pace.averageMs).toBe(1000);
    expect(pace.slow).toBe(true);
    const fast = new ModelPace();
    fast.note(3);
    expect(fast.slow).toBe(false);
  });

  it("becomes slow within a few slow answers and fast again within a few fast ones", () => {
    const pace = new ModelPace();
    for (let i = 0; i < 20; i++) pace.note(2);
    expect(pace.slow).toBe(false);
    // One slow answer among fast ones is not a slow model.
    pace.note(400);
    expect(pace.slow).toBe(false);
    const slowAfter = notesUntil(pace, 1000, () => pace.slow);
    expect(slowAfter).toBeLessThanOrEqual(4);
    const fastAfter = notesUntil(pace, 2, () => !pace.slow);
    expect(fastAfter).toBeLessThanOrEqual(10);
    expect(pace.averageMs).toBeLessThan(SLOW_MODEL_MS);
  });

  it("counts a negative measurement (a clock step) as zero", () => {
    const pace = new ModelPace();
    pace.note(-50);
    expect(pace.averageMs).toBe(0);
  });
});

/** How many notes of `ms` it takes until `done`; fails after 100. */
function notesUntil(pace: ModelPace, ms: number, done: () => boolean): number {
  for (let n = 1; n <= 100; n++) {
    pace.note(ms);
    if (done()) return n;
  }
  throw new Error(`not done after 100 notes of ${ms} ms`);
}
