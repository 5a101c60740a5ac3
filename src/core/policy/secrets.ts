import { parseAllDocuments } from "yaml";
import type { CallContext } from "../call-context.js";
import { secretEnvNamesIn } from "./secret-env.js";
import { SECRET_NAME, type Span, isSecretValue, textSpans } from "./secret-shapes.js";

export { SECRET_NAME } from "./secret-shapes.js";

export const HIDDEN = "<hidden: start mcp-podman with --show-secrets to see it>";

/**
 * Keys that name a credential wherever they appear. Narrower than SECRET_NAME,
 * which outside name/value maps would hide inspect fields such as SandboxKey.
 */
const SECRET_KEY = /PASSW|SECRET|TOKEN|CREDENTIAL|PRIVATE.?KEY|API.?KEY/i;

/** Maps from a caller's names to a caller's values: labels, annotations, driver options, env. */
const NAME_VALUE_MAP = /^(labels|annotations|options|driveropts|attributes|env|environment)$/i;

/** "--password" followed by its value as the next argument. */
const FLAG = /^--?([A-Za-z0-9][\w.-]*)$/;

/** Keys holding the names of the objects an answer describes. */
const OBJECT_NAME_KEY = /^(name|names|hostname)$/i;

/**
 * Short values and short numbers would match inside unrelated text (ids,
 * other values): they are hidden where their name says what they are, not
 * searched for everywhere else.
 */
const TOO_SHORT_TO_SEARCH = /^(?:.{0,3}|\d{1,5})$/;

/** A placeholder no answer holds, so that hiding never rewrites HIDDEN itself. */
const MARK = "\uE000";

/**
 * A copy of `answer` in which every secret it holds is hidden in every string:
 * values of secret-looking names (env entries, labels, annotations, options,
 * `--password x`, `{name, value}` pairs) and values secret by shape (URL
 * passwords, Authorization headers, private keys, known token formats). Each
 * value found is then replaced wherever it appears in the answer, so a
 * password given in Env is hidden in CreateCommand or a health check as well.
 * `known` adds values found elsewhere (the container a health check ran in).
 */
export function maskSecrets<T>(answer: T, known: Iterable<string> = []): T {
  return new SecretFinder(answer, known).collect(answer).hide(answer);
}

/** maskSecrets unless the server runs with --show-secrets. */
export function maskUnlessShown<T>(
  ctx: Pick<CallContext, "showSecrets">,
  answer: T,
  known?: Iterable<string>,
): T {
  return ctx.showSecrets ? answer : maskSecrets(answer, known);
}

/** Every secret value `document` holds, to hide in answers derived from it. */
export function secretValuesIn(document: unknown): string[] {
  return new SecretFinder(document).collect(document).values();
}

/**
 * maskSecrets for YAML text (kube generate): the documents are read so that
 * an env entry's `value` is known to belong to its `name`, and only the
 * scalars that hold secrets are rewritten; comments and layout stay.
 */
export function maskYamlSecrets(text: string): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return maskSecrets(text);
  const values = docs.map((doc) => doc.toJS() as unknown);
  const finder = new SecretFinder(values).collect(values).collect(text);
  if (finder.empty) return text;
  let changed = false;
  docs.forEach((doc, index) => {
    for (const [path, hidden] of changedStrings(values[index], finder.hide(values[index]))) {
      doc.setIn(path, hidden);
      changed = true;
    }
  });
  if (!changed) return finder.hide(text);
  const rewritten = docs.map((doc) => doc.toString({ indentSeq: false, lineWidth: 0 })).join("");
  return finder.collect(rewritten).hide(rewritten);
}

/** The paths where `after` (a copy sharing what did not change) holds another string. */
function* changedStrings(
  before: unknown,
  after: unknown,
  path: (string | number)[] = [],
): Generator<[(string | number)[], string]> {
  if (before === after) return;
  if (typeof after === "string") {
    yield [path, after];
    return;
  }
  if (typeof before !== "object" || before === null || typeof after !== "object" || !after) return;
  for (const [key, value] of Object.entries(after)) {
    const step = Array.isArray(after) ? Number(key) : key;
    yield* changedStrings((before as Record<string, unknown>)[key], value, [...path, step]);
  }
}

/** Finds the secrets of an answer (first pass), then hides them (second pass). */
class SecretFinder {
  readonly #values = new Set<string>();
  readonly #spans = new Map<string, Span[]>();
  /** "/web" for a container named web: Podman's kube annotations end with it. */
  readonly #nameSuffixes: string[];
  /** Variables the answer's containers get from Podman secrets, whatever they are called. */
  readonly #secretEnv: Set<string>;
  // Stripping can only remove a match: the plain test first rejects nearly every name cheaply.
  readonly #isSecretName = (name: string) =>
    (SECRET_NAME.test(name) && SECRET_NAME.test(this.#withoutObjectName(name))) ||
    this.#secretEnv.has(name);

  constructor(answer: unknown, known: Iterable<string> = []) {
    this.#nameSuffixes = [...objectNames(answer)].map((name) => `/${name}`);
    this.#secretEnv = secretEnvNamesIn(answer);
    for (const value of known) this.#add(value);
  }

  get empty() {
    return this.#values.size === 0 && this.#spans.size === 0;
  }

  values() {
    return [...this.#values];
  }

  collect(value: unknown): this {
    this.#walk(value, (text, whole) => {
      if (whole) this.#add(text);
      for (const [start, end] of this.#spansOf(text)) this.#add(text.slice(start, end));
      return text;
    });
    return this;
  }

  /** Hides what collect found; strings it never saw hide only the values found elsewhere. */
  hide<T>(value: T): T {
    if (this.empty) return value;
    const everywhere = this.#searchPattern();
    return this.#walk(value, (text, whole) => {
      if (whole) return isSecretValue(text) ? HIDDEN : text;
      let marked = markSpans(text, this.#spans.get(text) ?? []);
      if (everywhere) marked = marked.replace(everywhere, markUnlessInId);
      return marked.includes(MARK) ? marked.replaceAll(MARK, HIDDEN) : text;
    }) as T;
  }

  #add(value: string) {
    if (value !== HIDDEN && isSecretValue(value)) this.#values.add(value);
  }

  #spansOf(text: string): Span[] {
    const cached = this.#spans.get(text);
    if (cached) return cached;
    const spans = textSpans(text, this.#isSecretName);
    if (spans.length) this.#spans.set(text, spans);
    return spans;
  }

  #withoutObjectName(key: string): string {
    const suffix = this.#nameSuffixes.find((candidate) => key.endsWith(candidate));
    return suffix ? key.slice(0, -suffix.length) : key;
  }

  /** One alternation of the values worth searching for, longest first. */
  #searchPattern(): RegExp | undefined {
    const searched = [...this.#values]
      .filter((value) => !TOO_SHORT_TO_SEARCH.test(value))
      .sort((a, b) => b.length - a.length)
      .map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return searched.length ? new RegExp(searched.join("|"), "g") : undefined;
  }

  /**
   * Rebuilds `value` with each string passed through `onString`, sharing the
   * parts that did not change. `whole` says the string is a secret by where
   * it sits: under a secret name in a name/value map or a secret key, after a
   * secret flag, or the `value` of a `{name, value}` pair with a secret name.
   */
  #walk(
    value: unknown,
    onString: (text: string, whole: boolean) => string,
    parentKey?: string,
  ): unknown {
    if (typeof value === "string") return onString(value, false);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item: unknown, index) => {
        const next =
          typeof item === "string"
            ? onString(item, this.#followsSecretFlag(value, index))
            : this.#walk(item, onString, parentKey);
        if (next !== item) (copy ??= [...value])[index] = next;
      });
      return copy ?? value;
    }
    if (typeof value !== "object" || value === null) return value;
    const record = value as Record<string, unknown>;
    const inNameValueMap = parentKey !== undefined && NAME_VALUE_MAP.test(parentKey);
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(record)) {
      const next =
        typeof item === "string"
          ? onString(
              item,
              (inNameValueMap && this.#isSecretName(key)) || this.#secretByKey(record, key),
            )
          : this.#walk(item, onString, key);
      if (next !== item) (copy ??= { ...record })[key] = next;
    }
    return copy ?? value;
  }

  #secretByKey(record: Record<string, unknown>, key: string): boolean {
    if (SECRET_KEY.test(key) && SECRET_KEY.test(this.#withoutObjectName(key))) return true;
    if (key !== "value" && key !== "Value") return false;
    const name = record.name ?? record.Name;
    return typeof name === "string" && this.#isSecretName(name);
  }

  #followsSecretFlag(list: unknown[], index: number): boolean {
    if (index === 0) return false;
    const previous = list[index - 1];
    if (typeof previous !== "string" || (list[index] as string).startsWith("-")) return false;
    const flag = FLAG.exec(previous);
    return flag !== null && this.#isSecretName(flag[1]!);
  }
}

/** The names of the objects an answer describes (not those of `{name, value}` pairs). */
function objectNames(value: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "object") objectNames(item, names);
    return names;
  }
  if (typeof value !== "object" || value === null) return names;
  const record = value as Record<string, unknown>;
  const isPair = "value" in record || "Value" in record;
  for (const [key, item] of Object.entries(record)) {
    if (OBJECT_NAME_KEY.test(key) && !isPair) {
      for (const name of Array.isArray(item) ? item : [item])
        if (typeof name === "string" && name.length > 2) names.add(name.replace(/^\//, ""));
    } else if (typeof item === "object") {
      objectNames(item, names);
    }
  }
  return names;
}

/**
 * A short hex secret ("beef1234") found inside a 64-digit id is chance, not
 * a copy: ids and digests stay whole, as callers pass them back to Podman.
 */
function markUnlessInId(match: string, offset: number, text: string): string {
  if (!/^[0-9a-f]+$/.test(match)) return MARK;
  let start = offset;
  let end = offset + match.length;
  while (start > 0 && isHexDigit(text.charCodeAt(start - 1))) start--;
  while (end < text.length && isHexDigit(text.charCodeAt(end))) end++;
  return end - start >= 32 && end - start > match.length ? match : MARK;
}

const isHexDigit = (code: number) => (code >= 48 && code <= 57) || (code >= 97 && code <= 102);

/** Replaces each span (overlapping ones merged) by MARK. */
function markSpans(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  for (const [start, end] of sorted) {
    if (end <= at) continue;
    out += text.slice(at, Math.max(at, start)) + MARK;
    at = end;
  }
  return out + text.slice(at);
}
