import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Which folder may import which: the core runs on any runtime (Web APIs only)
 * and never imports an adapter; lower layers never import the ones built on
 * them. A later block for the same files replaces the rule, so each block
 * repeats the core's patterns.
 */
function coreImportRules(...more) {
  return [
    { group: ["node:*"], message: "src/core is runtime-agnostic: no node: imports" },
    {
      group: ["**/runtime/**"],
      message: "src/core never imports a runtime adapter: the adapter supplies contracts.ts",
    },
    ...more,
  ];
}

function above(layer, ...folders) {
  return folders.map((folder) => ({
    group: [`**/${folder}/**`],
    message: `${layer} must not import ${folder}/, which is built on it: move what both need down (contracts.ts, call-context.ts, podman/)`,
  }));
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["build.mjs", "test/**/*.ts", "test/**/*.mjs", "vitest.config.ts"],
    languageOptions: { globals: { URL: "readonly", console: "readonly", process: "readonly" } },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: coreImportRules() }],
      "no-restricted-globals": ["error", "process", "Buffer", "require"],
    },
  },
  {
    files: ["src/core/podman/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: coreImportRules(...above("podman/", "tools", "compose", "policy")) },
      ],
    },
  },
  {
    files: ["src/core/compose/**/*.ts", "src/core/policy/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: coreImportRules(...above("compose/ and policy/", "tools")) },
      ],
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
);
