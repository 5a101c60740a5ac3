import { PolicyRefusal } from "./refusal.js";

/**
 * A strict reading of a Containerfile the way Buildah's parser
 * (openshift/imagebuilder's dockerfile/parser) reads it: one instruction per
 * logical line, continuations joined without a separator, builder flags
 * before the arguments, JSON form where the text is a JSON array. What that
 * parser would read in a way this one cannot be sure of is refused.
 */

export type InstructionArguments =
  { form: "json"; values: string[] } | { form: "text"; text: string };

/** "--name=value" (value undefined for a bare "--name"). */
export interface BuilderFlag {
  name: string;
  value: string | undefined;
}

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  keyword: string;
  flags: BuilderFlag[];
  args: InstructionArguments;
  /** 1-based line where the instruction starts. */
  line: number;
}

const KEYWORDS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);
/** Instructions whose arguments Buildah reads as JSON when they are a JSON array. */
const JSON_CAPABLE = new Set(["ADD", "COPY", "VOLUME", "RUN", "CMD", "ENTRYPOINT", "SHELL"]);

export const MAX_CONTAINERFILE_CHARS = 1024 * 1024;
// Buildah reads lines with Go's bufio.Scanner, which silently stops at a 64 KiB line.
export const MAX_INSTRUCTION_BYTES = 60 * 1024;

const CONTINUATION = /\\[ \t]*$/;
// Controls other than tab, and the spaces Go's unicode.IsSpace knows that a
// reader of the file would not see: Buildah splits some arguments on them and not others.
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  /[\x00-\x08\x0b-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;
const DIRECTIVE = /^#[ \t]*[A-Za-z][\w-]*[ \t]*=/;
const BLANK_OR_COMMENT = /^[ \t]*(#.*)?$/;
const UNPROCESSED_FLAG_CHARACTERS = /['"\\$`]|[^\x21-\x7e]/;

export function containerfileRefusal(line: number, why: string): PolicyRefusal {
  return new PolicyRefusal(
    `line ${line} of the Containerfile ${why}; the server checks every Containerfile before ` +
      "Podman reads it and refuses what it cannot judge",
  );
}

export function parseContainerfile(text: string): Instruction[] {
  if (text.length > MAX_CONTAINERFILE_CHARS) {
    throw new PolicyRefusal(
      `the Containerfile is longer than ${MAX_CONTAINERFILE_CHARS} characters`,
    );
  }
  const lines = physicalLines(text.replace(/^\ufeff/, ""));
  lines.forEach((line, index) => {
    if (INVISIBLE.test(line)) {
      throw containerfileRefusal(index + 1, "has a control character or an unusual space");
    }
  });
  const instructions: Instruction[] = [];
  let index = 0;
  while (index < lines.length) {
    const start = index + 1;
    const first = lines[index++]!.replace(/^[ \t]+/, "");
    if (first.startsWith("#")) {
      if (instructions.length === 0 && DIRECTIVE.test(first)) {
        throw containerfileRefusal(start, "is a parser directive (such as `# escape=`)");
      }
      continue;
    }
    let continued = CONTINUATION.test(first);
    let joined = first.replace(CONTINUATION, "");
    if (!continued && joined === "") continue;
    while (continued && index < lines.length) {
      const next = lines[index++]!;
      if (BLANK_OR_COMMENT.test(next)) {
        throw containerfileRefusal(index, "is a blank or comment line inside a line continuation");
      }
      continued = CONTINUATION.test(next);
      joined += next.replace(CONTINUATION, "");
    }
    instructions.push(parseInstruction(joined, start));
  }
  return instructions;
}

/** Lines as Go's bufio.ScanLines gives them: split at \n, one trailing \r dropped, no empty last line. */
function physicalLines(text: string): string[] {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  if (text.endsWith("\n") || text === "") lines.pop();
  return lines;
}

function parseInstruction(joined: string, line: number): Instruction {
  const trimmed = joined.trim();
  const word = /^[^ \t]+/.exec(trimmed)![0];
  if (!/^[A-Za-z]+$/.test(word) || !KEYWORDS.has(word.toUpperCase())) {
    throw containerfileRefusal(line, "does not start with a known instruction");
  }
  const keyword = word.toUpperCase();
  const { flags, rest } = splitBuilderFlags(trimmed.slice(word.length), line);
  if (/<</.test(rest) || flags.some((flag) => flag.value?.includes("<<"))) {
    throw containerfileRefusal(line, "has `<<`, which newer Podman reads as a heredoc");
  }
  if (rest === "") throw containerfileRefusal(line, `has ${keyword} without arguments`);
  return { keyword, flags, args: parseArguments(keyword, rest, line), line };
}

/**
 * Buildah's extractBuilderFlags: leading words that start with "--". It also
 * strips quotes and backslashes from them, and later expands variables:
 * flags that would change under either are refused, so what is checked is what runs.
 */
function splitBuilderFlags(text: string, line: number) {
  const flags: BuilderFlag[] = [];
  let position = 0;
  for (;;) {
    while (text[position] === " " || text[position] === "\t") position += 1;
    if (!text.startsWith("--", position)) break;
    const end = text.slice(position).search(/[ \t]|$/) + position;
    const word = text.slice(position, end);
    if (word === "--" || UNPROCESSED_FLAG_CHARACTERS.test(word)) {
      throw containerfileRefusal(
        line,
        "has a builder flag with quotes, escapes, variables or non-ASCII characters (or a bare `--`)",
      );
    }
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(word);
    if (!match) throw containerfileRefusal(line, "has a malformed builder flag");
    flags.push({ name: match[1]!, value: match[2] });
    position = end;
  }
  return { flags, rest: text.slice(position).trim() };
}

function parseArguments(keyword: string, rest: string, line: number): InstructionArguments {
  if (!JSON_CAPABLE.has(keyword) || !rest.startsWith("[")) return { form: "text", text: rest };
  const values = jsonArrayOf(rest, line);
  if (values) return { form: "json", values };
  // Buildah falls back to the text form; for these its list is split on spaces, a "[" file name at best.
  if (keyword === "ADD" || keyword === "COPY" || keyword === "VOLUME") {
    throw containerfileRefusal(
      line,
      `has ${keyword} arguments that start with "[" but are not JSON`,
    );
  }
  return { form: "text", text: rest };
}

/**
 * The JSON array Go's json.Decoder would read from the start of `text`, or
 * undefined when it would fail (Buildah then takes the text form). The decoder
 * ignores what follows the first value; that is refused rather than guessed at.
 */
function jsonArrayOf(text: string, line: number): string[] | undefined {
  const end = endOfFirstJsonValue(text);
  if (end === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, end));
  } catch {
    return undefined;
  }
  if (text.slice(end).trim() !== "") {
    throw containerfileRefusal(line, "has text after its JSON array");
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw containerfileRefusal(line, "has a JSON array that is not all strings");
  }
  if (value.length === 0) throw containerfileRefusal(line, "has an empty JSON array");
  return value as string[];
}

/** Index just past the bracket that closes the array opening `text`, strings respected. */
function endOfFirstJsonValue(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i += 1;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === "[" || ch === "{") {
      depth += 1;
    } else if (ch === "]" || ch === "}") {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** Buildah's whitespace split (FROM, and the text form of ADD, COPY and VOLUME). */
export const splitWords = (text: string) => text.split(/[ \t]+/).filter((word) => word !== "");
