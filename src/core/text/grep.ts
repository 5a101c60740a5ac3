import type { RE2JS } from "./grep-engine.js";
import { BadArgument } from "../errors.js";

/**
 * Loaded on the first grep: its Unicode tables would otherwise cost every
 * start time and memory, and most servers never grep.
 */
let engine: Promise<typeof import("./grep-engine.js")> | undefined;
const loadEngine = () => (engine ??= import("./grep-engine.js"));

/** Long enough for any practical filter; compiling is linear in it. */
export const MAX_GREP_LENGTH = 1000;
/**
 * RE2's cost measure (compiled instructions). Matching is linear in the input,
 * but each character costs up to this many steps: `[\pL\pN]{1000}` would spend
 * seconds on one long line.
 */
export const MAX_GREP_PROGRAM_SIZE = 400;
/** Matching yields to the event loop this often, so other sessions and /healthz keep answering. */
const SLICE_MS = 20;
/** Beyond this much matching, one call has had its share. */
export const GREP_BUDGET_MS = 5000;

export const GREP_SYNTAX =
  "RE2 syntax (linear time): classes, alternation, repetition, (?i) for case-insensitive; " +
  "no backreferences or lookaround";

/**
 * A caller's log filter, matched by re2js in time linear in the text, never
 * by the backtracking RegExp. Matching takes turns with the rest of the server
 * and stops at a budget, so no pattern holds the process.
 */
export class GrepPattern {
  readonly #pattern: RE2JS;
  readonly #budgetMs: number;
  #spentMs = 0;
  #sinceTurnMs = 0;
  #tested = 0;

  private constructor(pattern: RE2JS, budgetMs: number) {
    this.#pattern = pattern;
    this.#budgetMs = budgetMs;
  }

  static async compile(source: string, budgetMs = GREP_BUDGET_MS): Promise<GrepPattern> {
    if (source.length > MAX_GREP_LENGTH) {
      throw new BadArgument(`The grep pattern is longer than ${MAX_GREP_LENGTH} characters`);
    }
    const { RE2JS, RE2JSException } = await loadEngine();
    let pattern: RE2JS;
    try {
      pattern = RE2JS.compile(source);
    } catch (error) {
      if (!(error instanceof RE2JSException)) throw error;
      throw new BadArgument(
        `The grep argument is not a valid regular expression in ${GREP_SYNTAX}: ${error.message}`,
      );
    }
    if (pattern.programSize() > MAX_GREP_PROGRAM_SIZE) {
      throw new BadArgument(
        `The grep pattern is too complex (${pattern.programSize()} RE2 instructions, at most ` +
          `${MAX_GREP_PROGRAM_SIZE}): lower its repetition counts or split it`,
      );
    }
    return new GrepPattern(pattern, budgetMs);
  }

  /** Whether the line contains a match; first lets other work run when matching had its turn. */
  async test(line: string): Promise<boolean> {
    if (this.#sinceTurnMs >= SLICE_MS) {
      this.#sinceTurnMs = 0;
      await nextTurn();
    }
    const started = performance.now();
    const matched = this.#pattern.test(line);
    const spent = performance.now() - started;
    this.#sinceTurnMs += spent;
    this.#spentMs += spent;
    this.#tested++;
    if (this.#spentMs > this.#budgetMs) {
      throw new BadArgument(
        `grep stopped after ${Math.round(this.#spentMs)} ms of matching over ${this.#tested} ` +
          `lines (its budget is ${this.#budgetMs} ms): use a simpler pattern, or fewer lines ` +
          "with since, until or scan_lines",
      );
    }
    return matched;
  }
}

/** A macrotask, so pending I/O (other requests, /healthz) runs before we continue. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
