// Bundles the server into ONE self-contained file: dist/mcp-podman.js.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const outfile = "dist/mcp-podman.js";
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  minify: !process.env.MCP_PODMAN_NO_MINIFY,
  legalComments: "none",
  // ES module builds first: they tree-shake (OpenTelemetry's CommonJS builds keep everything).
  mainFields: ["module", "main"],
};

/**
 * Modules that only some starts need: the OpenTelemetry SDK (OTLP export or
 * /metrics), which is most of the bundle, Node's HTTP listener with ws (--listen),
 * and re2js (the first grep). A
 * runtime compiles every line of a module before it runs any, so these are
 * embedded compressed and compiled on first import: start-up is faster and
 * holds megabytes less.
 */
const COMPILED_ON_FIRST_USE = /\/(telemetry-sdk|pull-metrics|http-listener|grep-engine)\.js$/;

/**
 * Runs a module embedded compressed. On Node with a module compile cache
 * (22.1 and later) it goes through Node's CommonJS loader, so the cache keeps
 * its compiled code for the next start: in NODE_COMPILE_CACHE when set, else
 * in the user's cache directory. A cache that cannot be written costs nothing
 * but the compile.
 */
const RUN_PACKED = `
let cacheReady;
function compileCacheReady(nodeModule) {
  if (cacheReady !== undefined) return cacheReady;
  cacheReady = false;
  if (typeof Deno !== "undefined" || typeof nodeModule.enableCompileCache !== "function") return false;
  try {
    const { join } = require("node:path");
    const home = process.env.XDG_CACHE_HOME || join(require("node:os").homedir(), ".cache");
    const { status } = nodeModule.enableCompileCache(join(home, "mcp-podman", "compile-cache"));
    const { ENABLED, ALREADY_ENABLED } = nodeModule.constants.compileCacheStatus;
    cacheReady = status === ENABLED || status === ALREADY_ENABLED;
  } catch {}
  return cacheReady;
}
export function runPacked(packed, name) {
  const source = require("node:zlib").brotliDecompressSync(Buffer.from(packed, "base64")).toString();
  const nodeModule = require("node:module");
  if (compileCacheReady(nodeModule)) {
    const filename = (typeof __filename === "string" ? __filename : "mcp-podman.js") + "#" + name;
    const compiled = new nodeModule.Module(filename);
    compiled.filename = filename;
    compiled.paths = [];
    compiled._compile(source, filename);
    return compiled.exports;
  }
  const module = { exports: {} };
  new Function("module", "exports", "require", source)(module, module.exports, require);
  return module.exports;
}
`;

const runPacked = {
  name: "run-packed",
  setup(bundler) {
    bundler.onResolve({ filter: /^mcp-podman:run-packed$/ }, ({ path }) => ({
      path,
      namespace: "run-packed",
    }));
    bundler.onLoad({ filter: /.*/, namespace: "run-packed" }, () => ({
      loader: "js",
      contents: RUN_PACKED,
    }));
  },
};

const compiledOnFirstUse = {
  name: "compiled-on-first-use",
  setup(bundler) {
    bundler.onResolve({ filter: COMPILED_ON_FIRST_USE }, ({ path, resolveDir }) => ({
      path: new URL(path.replace(/\.js$/, ".ts"), `file://${resolveDir}/`).pathname,
      namespace: "compiled-on-first-use",
    }));
    bundler.onLoad({ filter: /.*/, namespace: "compiled-on-first-use" }, async ({ path }) => {
      const probe = await build({
        ...common,
        entryPoints: [path],
        format: "esm",
        write: false,
        metafile: true,
      });
      const names = Object.values(probe.metafile.outputs)[0].exports;
      const chunk = await build({ ...common, entryPoints: [path], format: "cjs", write: false });
      const packed = brotliCompressSync(chunk.outputFiles[0].contents).toString("base64");
      return {
        loader: "js",
        contents: [
          'import { runPacked } from "mcp-podman:run-packed";',
          `export const { ${names.join(", ")} } = runPacked("${packed}", ${JSON.stringify(basename(path))});`,
        ].join("\n"),
      };
    });
  },
};

/**
 * Packages that only some calls need: yaml (compose files, secret-shaped
 * manifests). Each is embedded
 * compressed; importers get an exports object whose properties compile and
 * run the package on their first read, so neither is compiled at start and no
 * importer has to change. Every export the package has at build time is forwarded.
 */
const PACKAGES_COMPILED_ON_FIRST_USE = ["yaml"];

const packagesCompiledOnFirstUse = {
  name: "packages-compiled-on-first-use",
  setup(bundler) {
    const filter = new RegExp(`^(${PACKAGES_COMPILED_ON_FIRST_USE.join("|")})$`);
    bundler.onResolve({ filter }, ({ path }) => ({ path, namespace: "package-on-first-use" }));
    bundler.onLoad({ filter: /.*/, namespace: "package-on-first-use" }, async ({ path }) => {
      const names = Object.keys(await import(path)).filter((name) => name !== "default");
      const chunk = await build({
        ...common,
        stdin: { contents: `module.exports = require(${JSON.stringify(path)});`, resolveDir: "." },
        format: "cjs",
        write: false,
      });
      const packed = brotliCompressSync(chunk.outputFiles[0].contents).toString("base64");
      return {
        loader: "js",
        contents: [
          'const { runPacked } = require("mcp-podman:run-packed");',
          "let loaded;",
          `const load = () => (loaded = runPacked("${packed}", ${JSON.stringify(path)}));`,
          `for (const name of ${JSON.stringify(names)})`,
          "  Object.defineProperty(exports, name, { enumerable: true, get: () => (loaded ?? load())[name] });",
        ].join("\n"),
      };
    });
  },
};

/**
 * The MCP SDK imports Ajv only to validate elicitation answers, and builds it
 * only when no validator is given; the server gives one, as it never elicits.
 */
const withoutAjv = {
  name: "without-ajv",
  setup(bundler) {
    bundler.onResolve({ filter: /^ajv(-formats)?$/ }, ({ path }) => ({
      path,
      namespace: "without-ajv",
    }));
    bundler.onLoad({ filter: /.*/, namespace: "without-ajv" }, ({ path }) => ({
      loader: "js",
      contents: `export default function () { throw new Error("${path} is not bundled: mcp-podman never elicits input"); }`,
    }));
  },
};

await build({
  ...common,
  entryPoints: ["src/main.ts"],
  outfile,
  // CommonJS: a copy on a build host sits in no package, and Node parses such a
  // .js file as CommonJS first; an ES module would be compiled twice (+5 MB).
  format: "cjs",
  define: { MCP_PODMAN_VERSION: JSON.stringify(version) },
  plugins: [runPacked, compiledOnFirstUse, packagesCompiledOnFirstUse, withoutAjv],
  banner: {
    // As an ES module (on Deno) no require() is given. The bundle requires only
    // Node built-ins, and only when it needs one: a start over stdio on Deno
    // requires none, so it loads nothing of Deno's Node compatibility layer.
    js: [
      "#!/usr/bin/env node",
      'var require = typeof require === "function" ? require : (id) => process.getBuiltinModule(id) ?? (() => { throw new Error(`Cannot find module ${id}`); })();',
    ].join("\n"),
  },
});
// The repository's package.json says "module". A package.json that names no
// type makes the bundle in dist/ what a copy outside any package is: CommonJS
// on Node, an ES module on Deno.
writeFileSync("dist/package.json", "{}\n");

console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
