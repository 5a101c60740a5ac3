import { describe, it, expect } from "vitest";
import { BearerTokens } from "../../src/core/http/auth.js";

const grants = (...tokens: string[]) => tokens.map((token) => ({ token, scope: "admin" as const }));

const TOKEN = "s3cret-Token_42";
const tokens = new BearerTokens(grants("first-token", TOKEN));

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
    const lengths = new BearerTokens(grants("a", long, "é✓😀"));
    expect(await lengths.accepts("Bearer a")).toBe(true);
    expect(await lengths.accepts(`Bearer ${long}`)).toBe(true);
    expect(await lengths.accepts("Bearer é✓😀")).toBe(true);
    expect(await lengths.accepts(`Bearer ${long}x`)).toBe(false);
    expect(await lengths.accepts("Bearer aa")).toBe(false);
    expect(await lengths.accepts("Bearer é✓")).toBe(false);
  });
});

describe("BearerTokens.identify", () => {
  it("answers the token's scope and a short id that is not the token", async () => {
    const scoped = new BearerTokens([
      { token: "reader-token", scope: "read" },
      { token: "operator-token", scope: "operate" },
    ]);
    const reader = await scoped.identify("Bearer reader-token");
    expect(reader?.scope).toBe("read");
    expect(reader?.tokenId).toMatch(/^[0-9a-f]{8}$/);
    expect("reader-token").not.toContain(reader?.tokenId);
    const operator = await scoped.identify("Bearer operator-token");
    expect(operator?.scope).toBe("operate");
    expect(operator?.tokenId).not.toBe(reader?.tokenId);
    expect(await scoped.identify("Bearer nobody")).toBeUndefined();
  });
});
