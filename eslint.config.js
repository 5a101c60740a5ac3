import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
      // The core must run on any runtime: Web APIs only.
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "src/core is runtime-agnostic: no node: imports" },
          ],
        },
      ],
      "no-restricted-globals": ["error", "process", "Buffer", "require"],
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
