import { describe, expect, it } from "vitest";
import { nodeFlagsOf, startScriptNodeFlags } from "../../bench/start-flags.js";

describe("the bench starts the gateway with npm start's Node flags", () => {
  it("reads the flags between `node` and the script", () => {
    expect(nodeFlagsOf("node --max-semi-space-size=32 dist/main.js")).toEqual(["--max-semi-space-size=32"]);
    expect(nodeFlagsOf("node  --a=1 --b dist/main.js --not-a-node-flag")).toEqual(["--a=1", "--b"]);
    expect(nodeFlagsOf("node dist/main.js")).toEqual([]);
  });

  it("refuses a command line it cannot read, rather than dropping the flags", () => {
    expect(() => nodeFlagsOf("tsx src/main.ts")).toThrow(/not a node command line/);
    expect(() => nodeFlagsOf("node --inspect")).toThrow(/no script/);
  });

  it("takes them from package.json's start script", () => {
    expect(startScriptNodeFlags()).toContain("--max-semi-space-size=32");
  });
});
