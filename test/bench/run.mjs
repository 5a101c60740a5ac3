// `npm run bench`: bundles the TypeScript benchmark into a temporary directory and runs it.
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const repo = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "mcp-podman-bench-js-"));
// Also on process.exit(), which an interrupted run ends with.
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
// The bundle leaves packages external; from the temporary directory they resolve through this link.
symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");

// `run.mjs cold-start ...` measures cold starts alone (test/bench/cold-start.ts).
const coldStart = process.argv[2] === "cold-start";
const outfile = join(dir, "bench.mjs");
await build({
  entryPoints: [join(import.meta.dirname, coldStart ? "cold-start.ts" : "bench.ts")],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(repo, process.argv.slice(coldStart ? 3 : 2));
