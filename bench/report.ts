/** One line of the bench's table. */
export interface Row {
  figure: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  /** Undefined for figures that are reported without a target. */
  met: boolean | undefined;
}

const HEADINGS = ["figure", "measured", "baseline", "ratio", "target", "met?"];

/** A Markdown table with padded columns: readable in a terminal and pasteable into an issue. */
export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [
    r.figure,
    r.measured,
    r.baseline,
    r.ratio,
    r.target,
    r.met === undefined ? "" : r.met ? "yes" : "MISSED",
  ]);
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(HEADINGS), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

export const format = {
  rate: (perSecond: number, unit: string) => `${Math.round(perSecond).toLocaleString("en-US")} ${unit}/s`,
  ms: (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`),
  ratio: (ratio: number) => `${ratio.toFixed(2)}×`,
  /**
   * A ratio beside its target, with a third digit where two would round a miss onto the target
   * (0.798× shown as "0.80×" next to "≥ 0.80×" and "MISSED" reads as a contradiction).
   */
  ratioAgainst: (ratio: number, target: number) =>
    ratio.toFixed(2) === target.toFixed(2) && ratio !== target
      ? `${ratio.toFixed(3)}×`
      : `${ratio.toFixed(2)}×`,
  count: (n: number) => n.toLocaleString("en-US"),
};
