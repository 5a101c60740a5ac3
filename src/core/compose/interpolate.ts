import { type KeyPath, fail } from "./issues.js";

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/**
 * Compose's variable substitution in every string value: `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alt}`, `${VAR+alt}`, and `$$` for a literal `$`. Variables come only
 * from `env` (the server's own environment is never read); an unset variable
 * without a default is an error rather than compose's silent empty string.
 */
export function interpolateTree(
  value: unknown,
  env: Readonly<Record<string, string>>,
  path: KeyPath = [],
): unknown {
  if (typeof value === "string") return interpolate(value, env, path);
  if (Array.isArray(value))
    return value.map((item, index) => interpolateTree(item, env, [...path, index]));
  if (value !== null && typeof value === "object") {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // Extension fields (x-*) often hold templates meant for anchors: left as written.
      result[key] = key.startsWith("x-") ? item : interpolateTree(item, env, [...path, key]);
    }
    return result;
  }
  return value;
}

export function interpolate(
  text: string,
  env: Readonly<Record<string, string>>,
  path: KeyPath,
): string {
  let result = "";
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf("$", index);
    if (dollar === -1) {
      result += text.slice(index);
      break;
    }
    result += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      result += "$";
      index = dollar + 2;
    } else if (next === "{") {
      const close = matchingBrace(text, dollar + 1);
      if (close === -1) fail(path, `unclosed "\${" in "${text}"`);
      result += substituteBraced(text.slice(dollar + 2, close), env, path, text);
      index = close + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (!name) {
        fail(
          path,
          `"$" in "${text}" must start a variable ($VAR or \${VAR}); write "$$" for a literal "$"`,
        );
      }
      result += lookup(name, env, path);
      index = dollar + 1 + name.length;
    }
  }
  return result;
}

/** The index of the "}" closing the "{" at `open`, nested `${...}` included. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === "{") depth++;
    else if (text[index] === "}" && --depth === 0) return index;
  }
  return -1;
}

function substituteBraced(
  inner: string,
  env: Readonly<Record<string, string>>,
  path: KeyPath,
  whole: string,
): string {
  const name = NAME.exec(inner)?.[0];
  if (!name) fail(path, `"\${${inner}}" in "${whole}" does not start with a variable name`);
  const rest = inner.slice(name.length);
  if (rest === "") return lookup(name, env, path);
  const operator = /^(:?[-?+])/.exec(rest)?.[1];
  if (!operator) fail(path, `unknown substitution "\${${inner}}" in "${whole}"`);
  const argument = () => interpolate(rest.slice(operator.length), env, path);
  const value = env[name];
  const set = operator.startsWith(":") ? value !== undefined && value !== "" : value !== undefined;
  switch (operator.replace(":", "")) {
    case "-":
      return set ? value! : argument();
    case "+":
      return set ? argument() : "";
    default: // "?"
      if (set) return value!;
      return fail(path, `variable "${name}" is required: ${argument() || "it is not set"}`);
  }
}

function lookup(name: string, env: Readonly<Record<string, string>>, path: KeyPath): string {
  const value = env[name];
  if (value === undefined) {
    fail(
      path,
      `variable "${name}" is not set: pass it in \`env\` or give a default with \${${name}:-default}`,
    );
  }
  return value;
}
