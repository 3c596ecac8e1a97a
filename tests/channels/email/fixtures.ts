import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const EMAIL_FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../fixtures/email",
);

/** A fixture's bytes exactly as stored (charsets and line endings untouched). */
export function emailFixture(name: string): Buffer {
  return readFileSync(path.join(EMAIL_FIXTURES, name));
}
