// Rewrites the tool tables of README.md from the tool registry: `npm run docs`.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const readme = new URL("../../README.md", import.meta.url);
// Inside dist/ so that the bundle's packages (zod, prettier) resolve from node_modules.
const bundle = new URL("../../dist/readme-docs.mjs", import.meta.url);
await build({
  entryPoints: [new URL("./readme.ts", import.meta.url).pathname],
  outfile: bundle.pathname,
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
try {
  const { generatedReadme } = await import(bundle.href);
  const before = readFileSync(readme, "utf8");
  const after = await generatedReadme(before, readme.pathname);
  writeFileSync(readme, after);
  console.log(before === after ? "README.md is up to date" : "README.md: tool tables rewritten");
} finally {
  rmSync(bundle, { force: true });
}
