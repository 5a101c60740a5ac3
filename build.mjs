// Bundles the server into ONE self-contained file: dist/mcp-podman.js.
import { readFileSync, statSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const outfile = "dist/mcp-podman.js";

await build({
  entryPoints: ["src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  define: { MCP_PODMAN_VERSION: JSON.stringify(version) },
  banner: {
    // Bundled CommonJS dependencies still call require() for Node built-ins.
    js: "#!/usr/bin/env node\nimport { createRequire as __mcpCreateRequire } from 'node:module';\nconst require = __mcpCreateRequire(import.meta.url);",
  },
});

console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
