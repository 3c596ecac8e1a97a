/**
 * Drizzle wraps driver errors (postgres.js, PGlite) in its own, with the original as `cause`;
 * the two drivers name the violated constraint differently.
 */
interface PostgresError {
  code?: string;
  constraint?: string;
  constraint_name?: string;
}

function postgresErrorOf(err: unknown): PostgresError | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (typeof (e as PostgresError).code === "string") return e as PostgresError;
  }
  return undefined;
}

export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const pg = postgresErrorOf(err);
  return pg?.code === "23505" && (pg.constraint ?? pg.constraint_name) === constraint;
}
