import { BadArgument } from "../../errors.js";

// `--health-*` values, as SpecGenerator `healthconfig`.

const NANOSECONDS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
// µs and μs escaped: a bundle of ASCII only is read as one byte per character.
const DURATION_PART = /^(\d+)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;

/** Go duration syntax ("1m30s", "500ms", "1.5h", "0") to nanoseconds, as libpod's healthconfig expects. */
export function parseDuration(duration: string): number {
  const fail = (reason: string): never => {
    throw new BadArgument(
      `Invalid duration "${duration}": ${reason}; expected a duration such as ` +
        '"30s", "1m30s", "500ms" or "2h" (units h, m, s, ms, us, ns)',
    );
  };
  let rest = duration.trim();
  if (rest === "0") return 0;
  if (rest.startsWith("-")) fail("must not be negative");
  if (rest === "") fail("empty");
  let total = 0;
  while (rest !== "") {
    const match = DURATION_PART.exec(rest);
    if (!match) {
      return fail(/^[\d.]+$/.test(rest) ? `missing unit after "${rest}"` : `cannot read "${rest}"`);
    }
    const unit = NANOSECONDS_PER_UNIT[match[3]!]!;
    const fraction = match[2] ? Number(`0.${match[2]}`) : 0;
    total += Number(match[1]) * unit + Math.round(fraction * unit);
    rest = rest.slice(match[0].length);
  }
  if (!Number.isSafeInteger(total)) fail("too large");
  return total;
}

const HEALTHCHECK_KINDS = new Set(["CMD", "CMD-SHELL", "NONE"]);

/**
 * SpecGenerator `healthconfig.Test`. A bare command becomes ["CMD", ...];
 * a lone string containing whitespace runs through the shell.
 */
export function normalizeHealthcheckTest(test: string | readonly string[]): string[] {
  if (typeof test === "string") test = [test];
  const [first, ...rest] = test;
  if (first === undefined || first.trim() === "") {
    throw new BadArgument("Invalid healthcheck test: the command is empty");
  }
  if (HEALTHCHECK_KINDS.has(first)) {
    if (first !== "NONE" && rest.length === 0) {
      throw new BadArgument(`Invalid healthcheck test: "${first}" must be followed by a command`);
    }
    return [...test];
  }
  if (rest.length === 0 && /\s/.test(first.trim())) return ["CMD-SHELL", first];
  return ["CMD", ...test];
}
