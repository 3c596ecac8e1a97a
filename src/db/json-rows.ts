/**
 * A row as `row_to_json` gives it, in the shape drizzle gives it: camelCase keys, and the
 * timestamps (every column named `…_at`) as Dates.
 */
export function fromJsonRow<T>(json: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    row[camelCase(key)] = key.endsWith("_at") && typeof value === "string" ? new Date(value) : value;
  }
  return row as T;
}

/**
 * Column names are few and come back on every row (four rows of a dozen columns or more per
 * inbound message), so each is converted once, not by a regular expression per key per row.
 */
const camelNames = new Map<string, string>();

function camelCase(column: string): string {
  let name = camelNames.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    camelNames.set(column, name);
  }
  return name;
}
