import {
  type Document,
  LineCounter,
  type Node as YamlNode,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
} from "yaml";
import { BadArgument } from "../errors.js";
import { PolicyRefusal } from "./refusal.js";
import { checkYamlBudget } from "./yaml-budget.js";

/** What a strictly parsed YAML document may hold: the JSON data model, nothing more. */
export type Plain = null | boolean | number | string | Plain[] | PlainObject;
export interface PlainObject {
  [key: string]: Plain;
}

export const isPlainObject = (value: unknown): value is PlainObject =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** One non-empty document of the text, numbered from 1 as the caller wrote it. */
export interface StrictDocument {
  index: number;
  value: Plain;
}

/** Deeper than any Kubernetes object; bounds the walk's recursion. */
const MAX_DEPTH = 64;

/**
 * Go's encoding/json matches field names with Unicode simple case folding
 * (so "ſpec" is "spec" and "K" the Kelvin sign is "k"); folding both ways
 * groups at least the keys it would confuse.
 */
export const foldKey = (key: string) => key.toUpperCase().toLowerCase();

/**
 * Parses YAML the way only one reader can understand it: refuses what Go's
 * YAML decoders read differently from JavaScript's (anchors and aliases,
 * merge keys, explicit tags, duplicate keys, keys that differ only in case,
 * non-string keys), so that the plain values answered are exactly what the
 * text means to every parser. Errors give positions, never the text itself:
 * it may come from a host file.
 */
export function parseStrictYaml(text: string): StrictDocument[] {
  checkYamlBudget(text, "The YAML");
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter,
    merge: false,
    uniqueKeys: false,
    version: "1.2",
    schema: "core",
  });
  const list: Document[] = Array.isArray(documents) ? documents : [];
  const at = (offset: number | undefined) => {
    if (offset === undefined) return "";
    const { line, col } = lineCounter.linePos(offset);
    return ` at line ${line}, column ${col}`;
  };
  const answer: StrictDocument[] = [];
  for (const [position, document] of list.entries()) {
    const index = position + 1;
    const where = list.length > 1 ? ` (document ${index})` : "";
    const [error] = document.errors;
    if (error) {
      const reason = error.code.toLowerCase().replaceAll("_", " ");
      throw new BadArgument(`The YAML is invalid${where}: ${reason}${at(error.pos[0])}`);
    }
    const refuse = (what: string, node: YamlNode | null | undefined) =>
      new PolicyRefusal(
        `The YAML${where} ${what}${at(node?.range?.[0])}: mcp-podman refuses it because ` +
          `Podman's YAML reader would not read it the same way; write the value out plainly`,
      );
    const value = toPlain(document.contents, refuse, 0);
    if (value !== null) answer.push({ index, value });
  }
  return answer;
}

type Refuse = (what: string, node: YamlNode | null | undefined) => PolicyRefusal;

function toPlain(node: unknown, refuse: Refuse, depth: number): Plain {
  if (node === null || node === undefined) return null;
  const yamlNode = node as YamlNode;
  if (depth > MAX_DEPTH) throw refuse(`nests deeper than ${MAX_DEPTH} levels`, yamlNode);
  if (isAlias(node)) throw refuse("uses an alias (*name)", yamlNode);
  if ("anchor" in yamlNode && yamlNode.anchor) throw refuse("sets an anchor (&name)", yamlNode);
  if ("tag" in yamlNode && yamlNode.tag) throw refuse("sets an explicit tag (!tag)", yamlNode);
  if (isScalar(node)) return scalar(node.value, refuse, yamlNode);
  if (isSeq(node)) return node.items.map((item) => toPlain(item, refuse, depth + 1));
  if (isMap(node)) {
    const object: PlainObject = {};
    const folded = new Map<string, string>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (!isScalar(keyNode) || keyNode.anchor || keyNode.tag || typeof keyNode.value !== "string")
        throw refuse("has a key that is not a plain string", keyNode ?? yamlNode);
      const key = keyNode.value;
      if (key === "<<") throw refuse("uses a merge key (<<)", keyNode);
      checkString(key, refuse, keyNode);
      if (Object.hasOwn(object, key)) throw refuse("repeats a key", keyNode);
      const twin = folded.get(foldKey(key));
      if (twin !== undefined) throw refuse("has two keys that differ only in case", keyNode);
      folded.set(foldKey(key), key);
      // A key "__proto__" must stay an ordinary key, as it is to Go.
      Object.defineProperty(object, key, {
        value: toPlain(pair.value, refuse, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return object;
  }
  throw refuse("holds a node of an unknown type", yamlNode);
}

function scalar(value: unknown, refuse: Refuse, node: YamlNode): Plain {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "string") return checkString(value, refuse, node);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw refuse("holds a number that is not finite", node);
    if (Number.isInteger(value) && !Number.isSafeInteger(value))
      throw refuse("holds an integer too large to keep exactly", node);
    return value;
  }
  throw refuse("holds a value of an unknown type", node);
}

/** With the u flag a surrogate pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function checkString(value: string, refuse: Refuse, node: YamlNode): string {
  if (LONE_SURROGATE.test(value)) throw refuse("holds a string with an unpaired surrogate", node);
  return value;
}

/**
 * Writes plain values as YAML that means the same to every YAML reader:
 * flow style, every string double-quoted, everything outside printable
 * ASCII escaped (Go's YAML readers fold U+2028 and U+0085 as line breaks).
 */
export function emitYamlDocuments(documents: readonly Plain[]): string {
  return documents.map((document) => `${emit(document)}\n`).join("---\n");
}

function emit(value: Plain): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return JSON.stringify(value);
  if (typeof value === "string") return quote(value);
  if (Array.isArray(value)) return `[${value.map(emit).join(", ")}]`;
  const entries = Object.entries(value).map(([key, item]) => `${quote(key)}: ${emit(item)}`);
  return `{${entries.join(", ")}}`;
}

function quote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === "\\") quoted += `\\${char}`;
    else if (code >= 0x20 && code <= 0x7e) quoted += char;
    else if (code <= 0xffff) quoted += `\\u${code.toString(16).padStart(4, "0")}`;
    else quoted += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${quoted}"`;
}
