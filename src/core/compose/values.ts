import { type KeyPath, fail } from "./issues.js";

// Readers for the loosely typed values of a compose file; each names the path on failure.

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function mapping(value: unknown, path: KeyPath): Record<string, unknown> {
  if (!isMapping(value)) fail(path, `must be a mapping, not ${describe(value)}`);
  return value;
}

/** Strings, numbers and booleans read as text, as compose does for `user: 1000`. */
export function text(value: unknown, path: KeyPath): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return fail(path, `must be a string, not ${describe(value)}`);
}

export function nonEmptyText(value: unknown, path: KeyPath): string {
  const result = text(value, path);
  if (result.trim() === "") fail(path, "must not be empty");
  return result;
}

export function bool(value: unknown, path: KeyPath): boolean {
  if (typeof value !== "boolean") fail(path, `must be true or false, not ${describe(value)}`);
  return value;
}

export function integer(value: unknown, path: KeyPath, min = 0): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < min) {
    fail(path, `must be a whole number of at least ${min}, not ${describe(value)}`);
  }
  return number;
}

export function list(value: unknown, path: KeyPath): unknown[] {
  if (!Array.isArray(value)) fail(path, `must be a list, not ${describe(value)}`);
  return value;
}

export function textList(value: unknown, path: KeyPath): string[] {
  return list(value, path).map((item, index) => text(item, [...path, index]));
}

/** A string or a list of strings. */
export function oneOrMany(value: unknown, path: KeyPath): string[] {
  return typeof value === "string" ? [value] : textList(value, path);
}

/**
 * `{KEY: value}` or `["KEY=value"]` (labels, environment, build args). A key
 * without a value (`KEY:` or `"KEY"`) takes `fallback(KEY)`, and is left out
 * when that is undefined.
 */
export function keyValues(
  value: unknown,
  path: KeyPath,
  fallback: (key: string) => string | undefined = () => undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  const put = (key: string, item: string | undefined, at: KeyPath) => {
    if (key === "") fail(at, "has an empty name");
    const resolved = item ?? fallback(key);
    if (resolved !== undefined) result[key] = resolved;
  };
  if (Array.isArray(value)) {
    value.forEach((entry, index) => {
      const line = text(entry, [...path, index]);
      const equals = line.indexOf("=");
      if (equals === -1) put(line, undefined, [...path, index]);
      else put(line.slice(0, equals), line.slice(equals + 1), [...path, index]);
    });
    return result;
  }
  for (const [key, item] of Object.entries(mapping(value, path))) {
    put(key, item === null ? undefined : text(item, [...path, key]), [...path, key]);
  }
  return result;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Fails on the first key not in `known`; extension keys (x-*) are allowed everywhere. */
export function onlyKeys(
  value: Record<string, unknown>,
  path: KeyPath,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key) && !key.startsWith("x-")) {
      fail(path, `unsupported key "${key}" (supported: ${known.join(", ")})`, [...path, key]);
    }
  }
}
