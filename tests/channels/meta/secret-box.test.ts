import { randomBytes } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "../../../src/channels/meta/secret-box.js";

/** A pino logger whose lines land in `lines`, parsed. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe("createSecretBox", () => {
  it("warns once that secrets will be stored unencrypted when there is no key", () => {
    const { log, lines } = capturingLogger();
    const box = createSecretBox(undefined, log);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toContain("PARLEY_SECRET_KEY is not set");
    expect(box.seal("token")).toBe("token");
  });

  it("says nothing when given no logger (a process that stores no secrets), and still opens what it is given", () => {
    const box = createSecretBox(undefined, undefined);
    expect(box.open(box.seal("token"))).toBe("token");
  });

  it("says nothing with a key, and seals so that only the key opens", () => {
    const { log, lines } = capturingLogger();
    const key = randomBytes(32);
    const box = createSecretBox(key, log);
    const sealed = box.seal("token");
    expect(lines).toHaveLength(0);
    expect(sealed).not.toContain("token");
    expect(createSecretBox(key, undefined).open(sealed)).toBe("token");
    expect(() => createSecretBox(randomBytes(32), undefined).open(sealed)).toThrow();
  });
});
