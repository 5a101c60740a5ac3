import { describe, it, expect } from "vitest";
import { BearerTokens } from "../../src/core/auth.js";

const TOKEN = "s3cret-Token_42";
const tokens = new BearerTokens(["first-token", TOKEN]);

describe("BearerTokens", () => {
  it.each([
    `Bearer ${TOKEN}`,
    `bearer ${TOKEN}`,
    `BEARER ${TOKEN}`,
    `Bearer  ${TOKEN}`,
    `Bearer\t${TOKEN}`,
    `Bearer ${TOKEN} `,
    "Bearer first-token",
  ])("accepts %j", async (header) => {
    expect(await tokens.accepts(header)).toBe(true);
  });

  it.each([
    undefined,
    "",
    TOKEN,
    "Bearer",
    "Bearer ",
    `Bearer${TOKEN}`,
    ` Bearer ${TOKEN}`,
    `Basic ${btoa(`user:${TOKEN}`)}`,
    `Basic ${TOKEN}`,
    `Token ${TOKEN}`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN}x`,
    `Bearer x${TOKEN}`,
    `Bearer ${TOKEN.slice(1)}`,
    `Bearer ${TOKEN.toUpperCase()}`,
    `Bearer s3cret- Token_42`,
    `Bearer ${TOKEN} ${TOKEN}`,
    `Bearer ${TOKEN},first-token`,
    `Bearer "${TOKEN}"`,
  ])("rejects %j", async (header) => {
    expect(await tokens.accepts(header)).toBe(false);
  });

  it("accepts nothing without tokens", async () => {
    const none = new BearerTokens([]);
    expect(await none.accepts(`Bearer ${TOKEN}`)).toBe(false);
    expect(await none.accepts("Bearer ")).toBe(false);
  });

  it("compares whole tokens whatever their length", async () => {
    const long = "x".repeat(4096);
    const lengths = new BearerTokens(["a", long, "é✓😀"]);
    expect(await lengths.accepts("Bearer a")).toBe(true);
    expect(await lengths.accepts(`Bearer ${long}`)).toBe(true);
    expect(await lengths.accepts("Bearer é✓😀")).toBe(true);
    expect(await lengths.accepts(`Bearer ${long}x`)).toBe(false);
    expect(await lengths.accepts("Bearer aa")).toBe(false);
    expect(await lengths.accepts("Bearer é✓")).toBe(false);
  });
});
