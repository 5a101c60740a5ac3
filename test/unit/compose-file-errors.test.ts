import type { HostFiles } from "../../src/core/contracts.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadProject, loadProjectName } from "../../src/core/compose/load.js";
import { fileContentRedactor } from "../../src/core/compose/redact.js";

const SECRET = "Zq7xK9secretW4";

/** One compose file and one env file, held in memory. */
function filesHolding(contents: Record<string, string>): HostFiles {
  const read = async (path: string) => {
    const text = contents[path];
    if (text === undefined) throw new Error(`no ${path}`);
    return text;
  };
  return {
    readTextFile: read,
    readFile: async (path) => new TextEncoder().encode(await read(path)),
    realPath: async (path) => path,
    walk: () => {
      throw new Error("no walks");
    },
  };
}

async function failureOf(read: () => Promise<unknown>): Promise<string> {
  const error = await read().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error, "the load should have failed").toBeInstanceOf(Error);
  return (error as Error).message;
}

const loadFile = (text: string, extra: Record<string, string> = {}) =>
  failureOf(() =>
    loadProject(filesHolding({ "/srv/app/compose.yaml": text, ...extra }), {
      file: "/srv/app/compose.yaml",
    }),
  );

describe("errors about a compose file read from the host", () => {
  it("name the file, line and column and a reason, never the YAML source", async () => {
    const message = await loadFile(`services:\n  web:\n    image: "${SECRET}\n`);
    expect(message).toContain("/srv/app/compose.yaml");
    expect(message).toMatch(/line \d+, column \d+/);
    expect(message).not.toContain(SECRET);
  });

  it("keep a secret file's words out, whatever its shape", async () => {
    for (const text of [
      SECRET,
      `${SECRET}:operate`,
      `token: ${SECRET}`,
      `${SECRET}: 1`,
      `{"${SECRET}": [1]}`,
      `services:\n  ${SECRET}: {}`,
      `services:\n  web:\n    image: x\n    ports: ["${SECRET}"]`,
      `services:\n  web:\n    image: "\${${SECRET}}"`,
      `services:\n  web:\n    image: x\n    privileged: "$\${${SECRET}"`,
      `services:\n  web: &a\n    image: *${SECRET}`,
      `name: ${SECRET}!\nservices:\n  web:\n    image: x`,
      `services:\n  web:\n    image: !${SECRET} x`,
    ]) {
      expect(await loadFile(text), text).not.toMatch(/Zq7xK9secretW4/i);
    }
  });

  it("keep an env file's lines out", async () => {
    const message = await loadFile("services:\n  web:\n    image: x\n    env_file: app.env\n", {
      "/srv/app/app.env": `OK=1\n${SECRET} oops\n`,
    });
    expect(message).toContain("/srv/app/app.env line 2");
    expect(message).not.toContain(SECRET);
  });

  it("keep the content out of the project name's errors too", async () => {
    const message = await failureOf(() =>
      loadProjectName(filesHolding({ "/srv/app/compose.yaml": `name: "\${${SECRET}"` }), {
        file: "/srv/app/compose.yaml",
      }),
    );
    expect(message).not.toContain(SECRET);
  });

  it("still say where and what for an ordinary mistake", async () => {
    const message = await loadFile("services:\n  web:\n    image: x\n    privileged: maybe\n");
    // The service's name is the file's word too; the line tells which one.
    expect(message).toContain('service "…" privileged: must be true or false');
    expect(message).toContain("line 4");
  });

  it("hold for generated files with the secret anywhere", async () => {
    const fragment = fc.constantFrom(
      "services:",
      "  web:",
      "    image: x",
      "    ports:",
      "      - ",
      "    environment:",
      "  - ",
      "name: ",
      "x-a: &a",
      "<<: *a",
      "    command: ",
      ": ",
      '"',
      "'",
      "${",
      "$",
      "{",
      "[",
      "\t",
    );
    const line = fc
      .tuple(
        fc.array(fragment, { maxLength: 3 }),
        fc.boolean(),
        fc.array(fragment, { maxLength: 2 }),
      )
      .map(([before, secret, after]) => [...before, secret ? SECRET : "", ...after].join(""));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), async (lines) => {
        const text = `${lines.join("\n")}\n# ${SECRET}\n`;
        const error = await loadProject(filesHolding({ "/srv/app/compose.yaml": text }), {
          file: "/srv/app/compose.yaml",
        }).then(
          () => undefined,
          (failure: Error) => failure,
        );
        if (error) expect(error.message).not.toMatch(/Zq7xK9secretW4/i);
      }),
      { numRuns: 300 },
    );
  });
});

describe("fileContentRedactor", () => {
  it("keeps the compose vocabulary, short numbers and the checker's words", () => {
    const redact = fileContentRedactor("services:\n  db:\n    ports: ['8080:hunter2']\n");
    expect(redact('service "db" ports[0]: "8080:hunter2" is not a valid port (line 3)')).toBe(
      'service "…" ports[0]: "8080:…" is not a valid port (line 3)',
    );
  });
});
