import { describe, expect, it } from "vitest";
import { BadArgument } from "../../src/core/errors.js";
import { GrepPattern, MAX_GREP_LENGTH } from "../../src/core/text/grep.js";

const matches = async (pattern: string, line: string) =>
  (await GrepPattern.compile(pattern)).test(line);

describe("grep patterns", () => {
  it("finds a match anywhere in the line, as grep does", async () => {
    expect(await matches("error", "2026 error: disk full")).toBe(true);
    expect(await matches("^error", "2026 error: disk full")).toBe(false);
    expect(await matches("full$", "2026 error: disk full")).toBe(true);
    expect(await matches("^(4\\d\\d|there)$", "404")).toBe(true);
    expect(await matches("^(4\\d\\d|there)$", "4040")).toBe(false);
    expect(await matches("GET|POST", "POST /login")).toBe(true);
  });

  it("speaks RE2: inline flags, Perl classes, named groups, Unicode classes", async () => {
    expect(await matches("(?i)warn", "WARNING")).toBe(true);
    expect(await matches("warn", "WARNING")).toBe(false);
    expect(await matches("\\bid=\\d{3}\\b", "user id=042 ok")).toBe(true);
    expect(await matches("(?P<code>5\\d\\d)", "status 503")).toBe(true);
    expect(await matches("\\p{Greek}+", "alpha α")).toBe(true);
    expect(await matches("caf.", "café")).toBe(true);
  });

  it("refuses what RE2 cannot match in linear time, saying so", async () => {
    for (const pattern of ["(a)\\1", "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b"]) {
      const refused = GrepPattern.compile(pattern);
      await expect(refused, pattern).rejects.toThrow(BadArgument);
      await expect(refused, pattern).rejects.toThrow(/in RE2 syntax.*no backreferences/);
    }
    await expect(GrepPattern.compile("(")).rejects.toThrow(
      /not a valid regular expression in RE2 syntax/,
    );
  });

  it("refuses patterns too long or too costly per character", async () => {
    await expect(GrepPattern.compile("a".repeat(MAX_GREP_LENGTH + 1))).rejects.toThrow(
      /longer than/,
    );
    await expect(GrepPattern.compile("[\\pL\\pN]{1000}")).rejects.toThrow(/too complex/);
    await expect(GrepPattern.compile("(.*a){200}")).rejects.toThrow(/too complex/);
  });

  it("matches catastrophic-backtracking patterns in linear time", async () => {
    const line = `${"a".repeat(5000)}!`;
    const started = performance.now();
    for (const pattern of ["(a+)+$", "(a|aa)+$", "(.*a){20}$", "(x+x+)+y"]) {
      expect(await matches(pattern, line), pattern).toBe(false);
    }
    expect(await matches("(.*a){20}", line)).toBe(true);
    // The backtracking engine needs longer than the age of the universe for these.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("lets timers run while it matches many lines, and stops at its budget", async () => {
    const pattern = await GrepPattern.compile("(.*a){20}$", 200);
    const line = `${"a".repeat(60_000)}!`;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await expect(
        (async () => {
          for (;;) await pattern.test(line);
        })(),
      ).rejects.toThrow(
        /grep stopped after \d+ ms of matching over \d+ lines \(its budget is 200 ms\)/,
      );
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(2);
  });
});
