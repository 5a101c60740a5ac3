import { describe, expect, it } from "vitest";
import { UpChanges } from "../../src/core/compose/changes.js";
import { parseEnvFile } from "../../src/core/compose/env-file.js";
import { readComposeYaml } from "../../src/core/compose/yaml-source.js";
import { textSpans } from "../../src/core/policy/secret-shapes.js";
import { parseStrictYaml } from "../../src/core/policy/strict-yaml.js";
import { MAX_YAML_CHARS, checkYamlBudget } from "../../src/core/policy/yaml-budget.js";
import type { ToolContext } from "../../src/core/tools/tool.js";
import { withoutTrailingSlashes } from "../../src/core/policy/host-path.js";

const MIB = 1024 * 1024;
/** Linear work on 1 MiB takes a few ms; the quadratic forms took seconds to hours. */
const BOUND_MS = 500;

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

const fill = (unit: string, size = MIB) => unit.repeat(Math.ceil(size / unit.length));
const manyKeys = (count: number, indent = "") =>
  Array.from({ length: count }, (_, index) => `${indent}k${index}: v\n`).join("");

describe("YAML is refused before it can keep the parser busy", () => {
  it.each([
    ["colons", fill(": ")],
    ["dashes", fill("- ")],
    ["brackets", fill("[")],
    ["many keys", manyKeys(90_000)],
  ])("refuses 1 MiB of %s at once, naming the limit", (_name, text) => {
    for (const parse of [readComposeYaml, parseStrictYaml]) {
      const { ms } = timed(() => expect(() => parse(text)).toThrow(/longer than 65536 characters/));
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });

  it("refuses bracket nesting deeper than the limit with a linear pre-scan", () => {
    const deep = `${"[".repeat(257)}${"]".repeat(257)}`;
    expect(() => readComposeYaml(`x: ${deep}`)).toThrow(
      /nests brackets \(\[ or \{\) deeper than 256/,
    );
    expect(() => parseStrictYaml(`x: ${deep}`)).toThrow(/deeper than 256/);
    expect(() => checkYamlBudget(`${"[]".repeat(1000)}{{}}`, "t")).not.toThrow();
  });

  it("reads a compose file with as many keys as fit under the limit quickly", () => {
    const text = `services:\n  s:\n    image: alpine\nx-many:\n${manyKeys(5000, "  ")}`;
    expect(text.length).toBeLessThan(MAX_YAML_CHARS);
    const { value, ms } = timed(() => readComposeYaml(text));
    expect(Object.keys(value.data["x-many"] as object)).toHaveLength(5000);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("finds a key given twice, in one pass, with its position and not its text", () => {
    const text = `services:\n  s:\n    image: a\n${manyKeys(4000, "    ")}    k17: secret\n`;
    const { ms } = timed(() =>
      expect(() => readComposeYaml(text)).toThrow(
        /^The compose file is not valid YAML: a key given twice \(line 4004, column 5\)$/,
      ),
    );
    expect(ms).toBeLessThan(BOUND_MS);
    expect(() => readComposeYaml("services: {a: 1, a: 2}")).toThrow(/a key given twice/);
  });

  it("keeps merge keys, and refuses keys that are collections or aliases", () => {
    const merged = readComposeYaml(
      "x-a: &a {p: 1}\nx-b: &b {q: 2}\nservices:\n  s:\n    <<: *a\n    <<: *b\n    image: x\n",
    );
    expect(merged.data.services).toEqual({ s: { p: 1, q: 2, image: "x" } });
    expect(() => readComposeYaml("? [a]\n: 1\nservices: {}")).toThrow(
      /a key that is not a plain value \(line 1, column 3\)/,
    );
    // toJS would stringify each nested key in turn: minutes for a few KiB.
    const { ms } = timed(() =>
      expect(() => readComposeYaml(fill("? ", 1000))).toThrow(/not a plain value/),
    );
    expect(ms).toBeLessThan(BOUND_MS);
    expect(() => readComposeYaml(fill("? ", 60_000))).toThrow(/not valid YAML/);
    const { ms: dashes } = timed(() =>
      expect(() => readComposeYaml(fill("- ", 1000))).toThrow(/deeper than 64 levels/),
    );
    expect(dashes).toBeLessThan(BOUND_MS);
  });
});

describe("regular expressions over caller text run in linear time", () => {
  it("drops trailing slashes", () => {
    expect(withoutTrailingSlashes("/a/b///")).toBe("/a/b");
    expect(withoutTrailingSlashes("a//b")).toBe("a//b");
    const { value, ms } = timed(() => withoutTrailingSlashes(`${fill("/")}x`));
    expect(value).toHaveLength(MIB + 1);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(timed(() => withoutTrailingSlashes(`a${fill("/")}`)).value).toBe("a");
  });

  it("cuts an env file's comment", () => {
    expect(parseEnvFile("A=b  # note\nB=c#d", "f")).toEqual({ A: "b", B: "c#d" });
    const { value, ms } = timed(() => parseEnvFile(`A=a${fill(" \t")}b`, "f"));
    expect(value.A).toHaveLength(MIB + 2);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("ends a rolled-back error's message cleanly", async () => {
    const started = performance.now();
    const error = (await new UpChanges().rollBack(
      {} as ToolContext,
      new Error(`failed${fill(". ")}x`),
    )) as Error;
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(error.message).toMatch(/x; this call had created nothing$/);
    const short = (await new UpChanges().rollBack(
      {} as ToolContext,
      new Error("failed. \n"),
    )) as Error;
    expect(short.message).toBe("failed; this call had created nothing");
  });

  it.each([
    ["URL passwords", fill("a.")],
    ["URL passwords after a scheme", `${fill("a-")}://x`],
    ["curl users", ` -u${fill("=")}`],
    ["curl users with a colon", ` --user ${fill("=")}:`],
    ["JWTs", `${fill("eyJaaaaaaaaaa-")} -u x`],
    ["JWT parts", `${fill("eyJaaaaaaaaaa.")} -u x`],
  ])("finds secret shapes in 1 MiB shaped against %s", (_name, text) => {
    const { ms } = timed(() => textSpans(`${text} ://`, () => false));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it("still finds the shapes it found", () => {
    const spans = (text: string) =>
      textSpans(text, () => false).map(([start, end]) => text.slice(start, end));
    expect(spans("git clone https://bob:hunter2@example.com/x")).toEqual(["hunter2"]);
    expect(spans("curl -u bob:hunter2 http://x")).toEqual(["hunter2"]);
    expect(spans("curl --user=:hunter2 http://x")).toEqual(["hunter2"]);
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlMTIz";
    expect(spans(`token ${jwt}`)).toEqual([jwt]);
  });
});
