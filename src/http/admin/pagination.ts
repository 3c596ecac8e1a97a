import { desc, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { badRequest } from "../errors.js";
import { uuid } from "./schemas/common.js";

/**
 * Keyset pagination: a page ends with an opaque cursor holding the last item's sort key, and
 * the next page starts strictly after it. Unlike offsets, rows written or deleted meanwhile
 * never make a page repeat or skip what was already there.
 */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
const limitMessage = `must be a whole number from 1 to ${MAX_PAGE_SIZE}`;

export const pageQuerySchema = z.strictObject({
  limit: z.coerce
    .number({ error: limitMessage })
    .int(limitMessage)
    .min(1, limitMessage)
    .max(MAX_PAGE_SIZE, limitMessage)
    .default(DEFAULT_PAGE_SIZE)
    .describe("How many items a page holds."),
  cursor: z
    .string()
    .min(1)
    .optional()
    .describe("The `nextCursor` of the previous page; leave it out for the first page."),
});

export interface Page<Item> {
  data: Item[];
  nextCursor: string | null;
}

/** `rows` holds up to `limit + 1` rows: the extra one only says that another page exists. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => readonly unknown[],
  toItem: (row: Row) => Item,
): Page<Item> {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  const nextCursor =
    rows.length > limit && last ? Buffer.from(JSON.stringify(keyOf(last))).toString("base64url") : null;
  return { data: data.map(toItem), nextCursor };
}

export function readCursor<Key extends z.ZodType>(
  cursor: string | undefined,
  key: Key,
): z.output<Key> | undefined {
  if (cursor === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const parsed = key.safeParse(decoded);
  if (!parsed.success) {
    throw badRequest("cursor: not a cursor this list gave out; start again without it.", "invalid_cursor");
  }
  return parsed.data;
}

/**
 * A timestamp at PostgreSQL's full microsecond precision: a JS Date keeps milliseconds only,
 * and a cursor rounded to them would skip rows that share the last row's millisecond.
 */
const MICROSECOND_UTC = /^[12]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const microsecondTimestamp = z.string().refine((value) => {
  if (!MICROSECOND_UTC.test(value)) return false;
  const millis = new Date(`${value.slice(0, 23)}Z`);
  // Rejects dates that JS would roll over (February 30) but PostgreSQL refuses.
  return !Number.isNaN(millis.getTime()) && millis.toISOString().slice(0, 23) === value.slice(0, 23);
});

/** The sort key of lists ordered by a timestamp, newest first, ties broken by id. */
export const timeKeySchema = z.tuple([microsecondTimestamp, uuid]);
export type TimeKey = z.output<typeof timeKeySchema>;

export function timeKeyText(column: PgColumn): SQL<string> {
  return sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function olderThan(column: PgColumn, idColumn: PgColumn, key: TimeKey): SQL {
  return sql`(${column}, ${idColumn}) < (${key[0]}::timestamptz, ${key[1]}::uuid)`;
}

export function newestFirst(column: PgColumn, idColumn: PgColumn): SQL[] {
  return [desc(column), desc(idColumn)];
}
