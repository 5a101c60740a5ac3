import {
  type ErrorCode,
  LineCounter,
  type Node as YamlNode,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
} from "yaml";
import { BadArgument } from "../errors.js";
import { checkYamlBudget } from "../policy/yaml-budget.js";
import type { KeyPath } from "./issues.js";

export interface ComposeYaml {
  data: Record<string, unknown>;
  /** The 1-based line of the value at `path`, when the file has it there (not merged in). */
  lineOf(path: KeyPath): number | undefined;
}

/** Parses the YAML (merge keys `<<:` allowed, duplicate keys refused) into plain data. */
export function readComposeYaml(text: string): ComposeYaml {
  checkYamlBudget(text, "The compose file");
  const lineCounter = new LineCounter();
  // The package's own duplicate check compares each key with every other: quadratic.
  const document = parseDocument(text, { merge: true, uniqueKeys: false, lineCounter });
  // A warning is something the parser read its own way (an unknown tag such as
  // compose's !reset): what the checker does not understand is refused.
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    const messages = problems.slice(0, 3).map((error) => {
      const [position] = error.linePos ?? [];
      const where = position ? ` (line ${position.line}, column ${position.col})` : "";
      return `${yamlReason(error.code)}${where}`;
    });
    throw new BadArgument(`The compose file is not valid YAML: ${messages.join("; ")}`);
  }
  const misread = checkKeys(document.contents, 0);
  if (misread) {
    const { line, col } = lineCounter.linePos(misread.node.range?.[0] ?? 0);
    throw new BadArgument(
      `The compose file is not valid YAML: ${misread.reason} (line ${line}, column ${col})`,
    );
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 1000 });
  } catch {
    // toJS fails on aliases beyond the count or merges of non-mappings; its message quotes the source.
    throw new BadArgument(
      "The compose file is not valid YAML: an alias or merge key (<<) cannot be expanded",
    );
  }
  if (containsCycle(data)) {
    throw new BadArgument("The compose file refers to itself through a YAML alias (&x ... *x)");
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new BadArgument("The compose file must be a mapping with a `services` key");
  }
  return {
    data: data as Record<string, unknown>,
    lineOf(path) {
      // A mapping entry is located by its key: a block value starts on the next line.
      const parent = path.length ? document.getIn(path.slice(0, -1), true) : undefined;
      const pair = isMap(parent)
        ? parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1))
        : undefined;
      const node = isNode(pair?.key) ? pair.key : document.getIn(path, true);
      if (!isNode(node) || !node.range) return undefined;
      return lineCounter.linePos(node.range[0]).line;
    },
  };
}

/** Deeper than any compose file; bounds the walks below and toJS's recursion. */
const MAX_DEPTH = 64;

interface Misread {
  reason: string;
  node: YamlNode;
}

/**
 * One pass over the tree, a set of keys per mapping: refuses a key given twice
 * (merge keys aside, as the package does) and a key that is a collection or an
 * alias (toJS would stringify it, in time that grows with its nesting).
 */
function checkKeys(node: unknown, depth: number): Misread | undefined {
  if (!isNode(node)) return undefined;
  if (depth > MAX_DEPTH) return { reason: `nesting deeper than ${MAX_DEPTH} levels`, node };
  if (isSeq(node)) {
    for (const item of node.items) {
      const misread = checkKeys(item, depth + 1);
      if (misread) return misread;
    }
  }
  if (!isMap(node)) return undefined;
  const seen = new Set<string>();
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    const key = pair.key;
    if (key !== null && key !== undefined && !isScalar(key)) {
      return { reason: "a key that is not a plain value", node: isNode(key) ? key : node };
    }
    const value: unknown = isScalar(key) ? key.value : null;
    if (!isMergeKey(value)) {
      // As toJS names the property: `1` and "1" would be one key.
      const name = String(value);
      if (seen.has(name)) {
        return { reason: yamlReason("DUPLICATE_KEY"), node: isNode(key) ? key : node };
      }
      seen.add(name);
    }
    const misread = checkKeys(pair.value, depth + 1);
    if (misread) return misread;
  }
  return undefined;
}

/** With `merge: true` the package reads a plain `<<` key as a symbol. */
const isMergeKey = (value: unknown) =>
  value === "<<" || (typeof value === "symbol" && value.description === "<<");

/** An alias inside its own anchor (`a: &a [*a]`) makes the data contain itself. */
function containsCycle(value: unknown, path = new Set<object>()): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (path.has(value)) return true;
  path.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  const cyclic = children.some((child) => containsCycle(child, path));
  path.delete(value);
  return cyclic;
}

/**
 * The yaml package's messages carry the offending source text (a line, a
 * tag, an alias): the reason is told from the error's code instead.
 */
function yamlReason(code: ErrorCode): string {
  const reasons: Partial<Record<ErrorCode, string>> = {
    BAD_INDENT: "bad indentation",
    TAB_AS_INDENT: "a tab used as indentation",
    DUPLICATE_KEY: "a key given twice",
    MULTIPLE_DOCS: "more than one document",
    MISSING_CHAR: "a quote or bracket is not closed",
    UNEXPECTED_TOKEN: "unexpected text",
    BAD_ALIAS: "an alias (*x) to an anchor that is not defined before it",
    TAG_RESOLVE_FAILED: "an unknown tag (!x)",
    MULTILINE_IMPLICIT_KEY: "a key that spans lines",
    BLOCK_AS_IMPLICIT_KEY: "a block used as a key",
    KEY_OVER_1024_CHARS: "a key longer than 1024 characters",
    RESOURCE_EXHAUSTION: "too many aliases",
  };
  return reasons[code] ?? code.toLowerCase().replaceAll("_", " ");
}
