import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedReadme } from "../docs/readme.js";

const path = new URL("../../README.md", import.meta.url).pathname;

describe("README.md", () => {
  it("lists the tools exactly as the registry declares them (npm run docs rewrites it)", async () => {
    const readme = readFileSync(path, "utf8");
    expect(readme).toMatch(/<!-- tools: [a-z, ]+ -->/);
    const generated = await generatedReadme(readme, path);
    expect(readme === generated, "README.md differs from the registry: run npm run docs").toBe(
      true,
    );
  });
});
