import fc from "fast-check";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import {
  type Plain,
  emitYamlDocuments,
  parseStrictYaml,
} from "../../src/core/policy/strict-yaml.js";

const values = (text: string) => parseStrictYaml(text).map((document) => document.value);

describe("parseStrictYaml", () => {
  it.each([
    [
      "block style",
      "kind: Pod\nmetadata:\n  name: web\n",
      [{ kind: "Pod", metadata: { name: "web" } }],
    ],
    [
      "flow style",
      "{kind: Pod, metadata: {name: web}}",
      [{ kind: "Pod", metadata: { name: "web" } }],
    ],
    ["empty documents, skipped", "---\nkind: Pod\n---\n---\n# nothing\n", [{ kind: "Pod" }]],
    [
      "a --- inside a string",
      'a: "x\\n---\\ny"\nb: |\n  ---\n  kind: Pod\n',
      [{ a: "x\n---\ny", b: "---\nkind: Pod\n" }],
    ],
    [
      "YAML 1.2 scalars (yes stays a string)",
      "a: yes\nb: 010\nc: 0x10\nd: ~\n",
      [{ a: "yes", b: 10, c: 16, d: null }],
    ],
  ])("reads %s", (_, text, expected) => {
    expect(values(text)).toEqual(expected);
  });

  it.each([
    ["an anchor", "a: &x {b: 1}\n", /sets an anchor \(&name\) at line 1, column 7/],
    ["an alias", "a: [1]\nb: *x\n", /uses an alias \(\*name\) at line 2, column 4/],
    ["a merge key", "a: {b: 1}\nc:\n  <<: {d: 2}\n", /uses a merge key \(<<\) at line 3, column 3/],
    ["a quoted merge key", 'c: {"<<": {d: 2}}\n', /merge key/],
    ["an explicit tag", "a: !!str 1\n", /sets an explicit tag/],
    ["a custom tag", "a: !podman x\n", /explicit tag/],
    ["a repeated key", "kind: Pod\nkind: Pod\n", /repeats a key at line 2, column 1/],
    ["keys differing only in case", "spec: {}\nSpec: {}\n", /two keys that differ only in case/],
    ["keys differing by a Kelvin sign", "kind: a\n\u212Aind: b\n", /differ only in case/],
    ["keys differing by a long s", "spec: a\n\u017Fpec: b\n", /differ only in case/],
    ["a number as a key", "1: a\n", /key that is not a plain string/],
    ["a boolean as a key", "true: a\n", /key that is not a plain string/],
    ["a complex key", "? [a, b]\n: c\n", /key that is not a plain string/],
    ["an infinite number", "a: .inf\n", /not finite/],
    ["a huge integer", "a: 123456789012345678901\n", /too large/],
    ["very deep nesting", `${"[".repeat(70)}${"]".repeat(70)}`, /deeper than 64/],
  ])("refuses %s, with its position", (_, text, message) => {
    expect(() => parseStrictYaml(text)).toThrow(PolicyRefusal);
    expect(() => parseStrictYaml(text)).toThrow(message);
  });

  it("refuses an alias bomb without expanding it", () => {
    const bomb =
      "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n" +
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nkind: Pod\n";
    expect(() => parseStrictYaml(bomb)).toThrow(/anchor/);
  });

  it.each([
    [
      "a syntax error",
      "kind: Pod\nmetadata: [oops\n",
      /^The YAML is invalid: .* at line 3, column 1$/,
    ],
    [
      "one in a later document",
      "kind: Pod\n---\na: b: c\n",
      /^The YAML is invalid \(document 2\): .* at line 3, column 4$/,
    ],
    ["tabs as indentation", "kind: Pod\nmetadata:\n\tname: x\n", /invalid/],
  ])("answers %s with its position and never the text", (_, text, message) => {
    expect(() => parseStrictYaml(text)).toThrow(BadArgument);
    expect(() => parseStrictYaml(text)).toThrow(message);
  });

  it("never quotes the text in any error", () => {
    const secret = "s3cr3t-Value";
    for (const text of [
      `${secret}: [`,
      `a: ${secret}\na: 2\n`,
      `${secret}: &x 1\n`,
      `a: !${secret} 1\n`,
      `"${secret}\t: [\n`,
      `- ${secret}\n  bad: indent\n`,
    ]) {
      let message = "";
      try {
        parseStrictYaml(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, text).not.toBe("");
      expect(message).not.toContain(secret);
    }
  });
});

describe("emitYamlDocuments", () => {
  const plain: fc.Arbitrary<Plain> = fc.letrec<{ value: Plain }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
      fc.string({ unit: "binary" }).filter((s) => !/[\uD800-\uDFFF]/u.test(s)),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: "grapheme" }), tie("value"), { maxKeys: 4 }),
    ),
  })).value;

  it("writes values that every YAML reader reads back the same", () => {
    fc.assert(
      fc.property(fc.array(plain, { minLength: 1, maxLength: 3 }), (documents) => {
        const text = emitYamlDocuments(documents);
        expect(text).toMatch(/^[\x20-\x7e\n]*$/);
        const read = parseAllDocuments(text).map((document) => document.toJS());
        expect(read).toEqual(documents);
      }),
      { numRuns: 300 },
    );
  });

  it("escapes line breaks Go's YAML readers fold", () => {
    const text = emitYamlDocuments([{ path: "/a\u2028b\u0085c\u{1F600}" }]);
    expect(text).toBe('{"path": "/a\\u2028b\\u0085c\\U0001f600"}\n');
    expect(parse(text)).toEqual({ path: "/a\u2028b\u0085c\u{1F600}" });
  });
});
