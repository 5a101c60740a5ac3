import { LineCounter, isMap, isNode, isScalar, parseDocument } from "yaml";
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
  if (document.errors.length > 0) {
    const messages = document.errors.slice(0, 3).map((error) => {
      const [position] = error.linePos ?? [];
      const where = position ? ` (line ${position.line}, column ${position.col})` : "";
      return `${error.message.split("\n")[0]}${where}`;
    });
    throw new BadArgument(`The compose file is not valid YAML: ${messages.join("; ")}`);
  }
  const data: unknown = document.toJS({ maxAliasCount: 1000 });
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
