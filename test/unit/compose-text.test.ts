import { describe, expect, it } from "vitest";
import { parseEnvFile } from "../../src/core/compose/env-file.js";
import { normalizeAbsolute, resolvePath, staysInside } from "../../src/core/compose/host-path.js";
import { interpolate } from "../../src/core/compose/interpolate.js";
import { splitShellWords } from "../../src/core/compose/shell-words.js";

describe("splitShellWords", () => {
  it("splits like a POSIX shell without expansion", () => {
    expect(splitShellWords("  wget -q -O- http://web/index.html ")).toEqual([
      "wget",
      "-q",
      "-O-",
      "http://web/index.html",
    ]);
    expect(splitShellWords(`sh -c 'echo $HOME; ls' "a \\"b\\" \\$c" d\\ e ''`)).toEqual([
      "sh",
      "-c",
      "echo $HOME; ls",
      'a "b" $c',
      "d e",
      "",
    ]);
    expect(splitShellWords(`a"b c"'d'`)).toEqual(["ab cd"]);
  });

  it("refuses unclosed quotes and shell operators", () => {
    expect(() => splitShellWords("echo 'x")).toThrow(/single quote is not closed/);
    expect(() => splitShellWords('echo "x')).toThrow(/double quote is not closed/);
    expect(() => splitShellWords("echo a && echo b")).toThrow(/shell operator.*sh", "-c"/);
  });
});

describe("interpolate", () => {
  const env = { SET: "v", EMPTY: "" };
  const run = (text: string) => interpolate(text, env, ["x"]);

  it("follows compose's substitution forms", () => {
    expect(run("${SET}-$SET-$$SET")).toBe("v-v-$SET");
    expect(run("${EMPTY:-d}|${EMPTY-d}|${UNSET-d}")).toBe("d||d");
    expect(run("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}")).toBe("alt||alt|");
    expect(run("${UNSET:-${SET}}")).toBe("v");
    expect(run("no variables")).toBe("no variables");
  });

  it("refuses what it cannot substitute", () => {
    expect(() => run("$UNSET")).toThrow(/variable "UNSET" is not set/);
    expect(() => run("${EMPTY:?must be set}")).toThrow(/"EMPTY" is required: must be set/);
    expect(() => run("price: $5")).toThrow(/write "\$\$" for a literal/);
    expect(() => run("${SET")).toThrow(/unclosed/);
  });
});

describe("parseEnvFile", () => {
  it("reads the dotenv format", () => {
    const content = [
      "# comment",
      "",
      "A=1",
      "export B = two words ",
      "C='single $x # kept'",
      'D="line\\nbreak \\"q\\""',
      "E=value # comment",
      "F=",
      "G",
      "H",
    ].join("\n");
    expect(parseEnvFile(content, "x.env", (key) => (key === "G" ? "from-env" : undefined))).toEqual(
      {
        A: "1",
        B: "two words",
        C: "single $x # kept",
        D: 'line\nbreak "q"',
        E: "value",
        F: "",
        G: "from-env",
      },
    );
  });

  it("names the file and line of a bad entry", () => {
    expect(() => parseEnvFile("A=1\n=x", "/p/x.env")).toThrow(/\/p\/x.env line 2/);
    expect(() => parseEnvFile("A='open", "/p/x.env")).toThrow(/quote is not closed/);
  });
});

describe("host paths", () => {
  it("resolves and normalises", () => {
    expect(resolvePath("/srv/app", "./site/../www")).toBe("/srv/app/www");
    expect(resolvePath("/srv/app", "/etc//x/")).toBe("/etc/x");
    expect(normalizeAbsolute("/a/../../b")).toBe("/b");
    expect(staysInside("docker/Dockerfile")).toBe(true);
    expect(staysInside("a/../../Dockerfile")).toBe(false);
    expect(staysInside("/Dockerfile")).toBe(false);
  });
});
