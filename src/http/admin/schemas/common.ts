import { z } from "zod";

/**
 * Named wire shapes become OpenAPI components. Requests are documented in their input form
 * (fields with a default are optional) and responses in their output form, so the two kinds
 * live in separate registries and never share a name.
 */
export const requestSchemas = z.registry<{ id: string }>();
export const responseSchemas = z.registry<{ id: string }>();

/** Any uuid PostgreSQL accepts, not only RFC 4122 variants. */
export const uuid = z.guid();

/** What responses hold; they are written by the server, so they are documented, not checked. */
export const objectId = z.string().meta({ format: "uuid" });
export const timestamp = z.string().meta({ format: "date-time" });

export const displayName = z.string().trim().min(1, "must not be empty").max(200);

export const language = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2}$/, 'must be a two-letter ISO 639-1 code such as "en"');

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable and machine-readable, e.g. `not_found`, `invalid_request`."),
      message: z.string().describe("Says what was wrong, for a person."),
    }),
  })
  .register(responseSchemas, { id: "Error" });

/** One page of a list: `nextCursor` is null on the last page. */
export function pageSchema<Item extends z.ZodType>(item: Item, id: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .describe("Pass as `cursor` to get the next page; null on the last one."),
    })
    .register(responseSchemas, { id });
}
