import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { checkKubeYaml } from "../../src/core/podman/kube.js";

const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n";

describe("checkKubeYaml", () => {
  it.each([
    ["one object", pod],
    ["several documents with empty ones", `---\n${pod}---\n---\nkind: Service\n`],
    ["kinds Podman skips", `${pod}---\nkind: Banana\n`],
    ["a document without kind next to one with", `${pod}---\nfoo: 1\n`],
    ["repeated keys, as Kubernetes' own parser takes them", `kind: Pod\nkind: Pod\n`],
  ])("accepts %s", (_, yaml) => {
    expect(() => checkKubeYaml(yaml)).not.toThrow();
  });

  it.each([
    [
      "a syntax error, with its position",
      "kind: Pod\nmetadata: [oops\n",
      /invalid: .*line 3, column 1$/,
    ],
    [
      "a syntax error in a later document",
      `${pod}---\na: b: c\n`,
      /invalid \(document 2\): .*line 6, column 4$/,
    ],
    ["tabs as indentation", "kind: Pod\nmetadata:\n\tname: x\n", /invalid/],
    [
      "a plain scalar",
      "just words",
      /Document 1 of the YAML is not a Kubernetes object \(it is a string\)/,
    ],
    ["a list", "- kind: Pod\n", /Document 1 .* \(it is a list\)/],
    ["nothing at all", "", /no Kubernetes object/],
    ["only comments and separators", "# nothing\n---\n", /no Kubernetes object/],
    [
      "an alias bomb",
      "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n" +
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nkind: Pod\n",
      /invalid: Excessive alias count/,
    ],
    ["objects without kind", "a: 1\n---\nb: 2\n", /no document has a `kind`/],
  ])("refuses %s", (_, yaml, message) => {
    expect(() => checkKubeYaml(yaml)).toThrow(BadArgument);
    expect(() => checkKubeYaml(yaml)).toThrow(message);
  });
});
