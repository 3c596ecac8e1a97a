/**
 * A row as `row_to_json` gives it, in the shape drizzle gives it: camelCase keys, and the
 * timestamps (every column named `…_at`) as Dates.
 */
export function fromJsonRow<T>(json: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const name = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    row[name] = key.endsWith("_at") && typeof value === "string" ? new Date(value) : value;
  }
  return row as T;
}
