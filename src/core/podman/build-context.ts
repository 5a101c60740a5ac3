/**
 * The ignore patterns that are plain relative paths. Any "!" exception could
 * re-include something under them, so with one present nothing is skipped here.
 */
export function literalExclusions(ignoreText: string): string[] {
  const patterns = ignoreText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (patterns.some((pattern) => pattern.startsWith("!"))) return [];
  const literal: string[] = [];
  for (const pattern of patterns) {
    if (/[*?[\]\\]/.test(pattern)) continue;
    const segments = pattern.split("/").filter((segment) => segment !== "" && segment !== ".");
    if (segments.length === 0 || segments.includes("..")) continue;
    literal.push(segments.join("/"));
  }
  return literal;
}
