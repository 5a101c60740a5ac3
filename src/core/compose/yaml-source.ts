import { type ErrorCode, LineCounter, isMap, isNode, isScalar, parseDocument } from "yaml";
import { BadArgument } from "../errors.js";
import type { KeyPath } from "./issues.js";

export interface ComposeYaml {
  data: Record<string, unknown>;
  /** The 1-based line of the value at `path`, when the file has it there (not merged in). */
  lineOf(path: KeyPath): number | undefined;
}

/** Parses the YAML (merge keys `<<:` allowed, duplicate keys refused) into plain data. */
export function readComposeYaml(text: string): ComposeYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { merge: true, uniqueKeys: true, lineCounter });
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
