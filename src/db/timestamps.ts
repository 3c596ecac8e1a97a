/**
 * A timestamptz from a raw query as a Date. postgres.js hands back Dates; PGlite, for raw SQL,
 * may hand back PostgreSQL's text form ("2026-11-22 08:44:43.597+00"), which JavaScript's Date
 * cannot parse (the space, and an offset without minutes) — it would silently become NaN.
 */
export function timestampOf(value: Date | string): Date {
  if (value instanceof Date) return value;
  const iso = value.replace(" ", "T").replace(/([+-]\d{2})$/, "$1:00");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${value}`);
  return date;
}
