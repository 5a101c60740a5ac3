import { BadArgument } from "../errors.js";

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/**
 * An env file as compose reads it: `KEY=value` lines, `#` comments, an
 * optional `export `, values in '...' (literal) or "..." (with \n, \t, \" escapes),
 * unquoted values trimmed and cut at " #". A bare `KEY` takes `fallback(KEY)`.
 */
export function parseEnvFile(
  content: string,
  file: string,
  fallback: (key: string) => string | undefined = () => undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  content.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#")) return;
    const equals = line.indexOf("=");
    const key = (equals === -1 ? line : line.slice(0, equals)).trim();
    if (!/^[^\s=]+$/.test(key)) {
      // The line itself is not quoted: the file is the host's, not the caller's.
      throw new BadArgument(`${file} line ${index + 1}: not a KEY=value line`);
    }
    if (equals === -1) {
      const value = fallback(key);
      if (value !== undefined) result[key] = value;
      return;
    }
    result[key] = readValue(line.slice(equals + 1).trim(), `${file} line ${index + 1}`);
  });
  return result;
}

function readValue(text: string, where: string): string {
  const quote = text[0];
  if (quote === "'" || quote === '"') {
    const close = text.lastIndexOf(quote);
    if (close === 0) throw new BadArgument(`${where}: the ${quote} quote is not closed`);
    const inner = text.slice(1, close);
    if (quote === "'") return inner;
    return inner.replace(/\\(.)/g, (escape, char: string) => ESCAPES[char] ?? escape);
  }
  return text.replace(/(?<!\s)\s+#.*$/, "");
}
