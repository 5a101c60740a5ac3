import { describe, expect, it } from "vitest";
import { SessionSlots, isRefusal, type SessionSlot } from "../../src/core/http/session-slots.js";

const taken = (result: ReturnType<SessionSlots["take"]>): SessionSlot => {
  if (isRefusal(result)) throw new Error(result.message);
  return result;
};

describe("session slots", () => {
  it("caps each token's sessions and leaves room for other tokens", () => {
    const slots = new SessionSlots({ maxSessions: 10, maxSessionsPerToken: 2 });
    const first = taken(slots.take("a"));
    taken(slots.take("a"));
    const refused = slots.take("a");
    expect(refused).toEqual({
      status: 429,
      message: expect.stringContaining("--max-sessions-per-token"),
    });
    expect(slots.refusal("a")).toEqual(refused);
    taken(slots.take("b"));
    expect(slots.open).toBe(3);
    first.release();
    expect(slots.openFor("a")).toBe(1);
    taken(slots.take("a"));
  });

  it("keeps the overall cap across tokens", () => {
    const slots = new SessionSlots({ maxSessions: 3, maxSessionsPerToken: 2 });
    taken(slots.take("a"));
    taken(slots.take("b"));
    const last = taken(slots.take("c"));
    expect(slots.take("d")).toEqual({
      status: 503,
      message: expect.stringContaining("(--max-sessions)"),
    });
    last.release();
    taken(slots.take("d"));
  });

  it("counts sessions without a token (--no-auth) only against the overall cap", () => {
    const slots = new SessionSlots({ maxSessions: 3, maxSessionsPerToken: 1 });
    for (let i = 0; i < 3; i++) taken(slots.take(undefined));
    expect(slots.take(undefined)).toMatchObject({ status: 503 });
  });

  it("frees a slot once, however often it is released", () => {
    const slots = new SessionSlots({ maxSessions: 5, maxSessionsPerToken: 2 });
    const slot = taken(slots.take("a"));
    taken(slots.take("a"));
    slot.release();
    slot.release();
    expect(slots.openFor("a")).toBe(1);
    expect(slots.open).toBe(1);
  });
});
