import type { Database } from "../../src/db/client.js";

/**
 * The database with some of its methods replaced (the rest bound to it): for tests that must
 * make something happen at one exact point of the code under test, e.g. another process
 * committing just before a given statement runs.
 */
export function overriding(
  database: Database,
  methods: Partial<Pick<Database, "query" | "rows" | "listen">>,
): Database {
  return new Proxy(database, {
    get(target, property) {
      if (property in methods) return methods[property as keyof typeof methods];
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
