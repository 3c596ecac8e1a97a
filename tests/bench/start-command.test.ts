import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertBuiltAfterSources, nodeCommandOf, startCommand } from "../../bench/start-command.js";

describe("the bench starts the gateway as npm start does", () => {
  it("reads the flags between `node` and the script, the script, and what follows it", () => {
    expect(nodeCommandOf("node --max-semi-space-size=32 dist/main.js")).toEqual({
      nodeFlags: ["--max-semi-space-size=32"],
      script: "dist/main.js",
      scriptArgs: [],
    });
    expect(nodeCommandOf("node  --a=1 --b dist/main.js --not-a-node-flag")).toEqual({
      nodeFlags: ["--a=1", "--b"],
      script: "dist/main.js",
      scriptArgs: ["--not-a-node-flag"],
    });
    expect(nodeCommandOf("node dist/main.js")).toEqual({
      nodeFlags: [],
      script: "dist/main.js",
      scriptArgs: [],
    });
  });

  it("refuses a command line it cannot read, rather than dropping the flags", () => {
    expect(() => nodeCommandOf("tsx src/main.ts")).toThrow(/not a node command line/);
    expect(() => nodeCommandOf("node --inspect")).toThrow(/no script/);
  });

  it("takes them from package.json's start script: the built gateway", () => {
    expect(startCommand()).toMatchObject({
      nodeFlags: expect.arrayContaining(["--max-semi-space-size=32"]),
      script: "dist/main.js",
    });
  });

  it("refuses a build older than a source file, or none, rather than bench old code", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parley-build-"));
    const source = path.join(dir, "src", "core", "thing.ts");
    const built = path.join(dir, "dist", "main.js");
    mkdirSync(path.dirname(source), { recursive: true });
    mkdirSync(path.dirname(built), { recursive: true });
    writeFileSync(source, "export {};\n");
    expect(() => assertBuiltAfterSources(built, path.join(dir, "src"))).toThrow(/missing/);

    writeFileSync(built, "\n");
    utimesSync(source, new Date(2026, 0, 1), new Date(2026, 0, 1));
    utimesSync(built, new Date(2026, 0, 2), new Date(2026, 0, 2));
    expect(() => assertBuiltAfterSources(built, path.join(dir, "src"))).not.toThrow();

    // A source edited after the build (in a subdirectory: the whole tree counts).
    utimesSync(source, new Date(2026, 0, 3), new Date(2026, 0, 3));
    expect(() => assertBuiltAfterSources(built, path.join(dir, "src"))).toThrow(/older than .*thing\.ts/);
  });
});
