import { BadArgument } from "../errors.js";

/**
 * The yaml package needs about 3 s per MiB on some inputs (`": "` repeated)
 * and runs on the main thread: at this size its worst case stays near 200 ms,
 * and a compose file or a Kubernetes YAML that Podman can play is far smaller.
 */
export const MAX_YAML_CHARS = 64 * 1024;

/** Deeper bracket nesting than any compose or Kubernetes file; the parser's memory grows with it. */
export const MAX_YAML_FLOW_DEPTH = 256;

/**
 * Refuses, before the YAML parser sees it, text that would keep it busy or
 * run it out of memory. Brackets are counted even inside strings: a scalar
 * with that many unclosed brackets is refused too, which no real file has.
 */
export function checkYamlBudget(text: string, what: string): void {
  if (text.length > MAX_YAML_CHARS) {
    throw new BadArgument(
      `${what} is longer than ${MAX_YAML_CHARS} characters (${MAX_YAML_CHARS / 1024} KiB), ` +
        `the most mcp-podman parses`,
    );
  }
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x5b || code === 0x7b) {
      if (++depth > MAX_YAML_FLOW_DEPTH) {
        throw new BadArgument(
          `${what} nests brackets ([ or {) deeper than ${MAX_YAML_FLOW_DEPTH} levels`,
        );
      }
    } else if ((code === 0x5d || code === 0x7d) && depth > 0) depth--;
  }
}
