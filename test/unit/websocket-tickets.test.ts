import { describe, expect, it } from "vitest";
import { WebSocketTickets } from "../../src/core/websocket-tickets.js";

/** Tickets on a clock the test moves by hand. */
function ticketsAt(start = 1_000_000) {
  const clock = { now: start };
  return { clock, tickets: new WebSocketTickets(() => clock.now) };
}

describe("WebSocketTickets", () => {
  it("redeems a ticket once", () => {
    const { tickets } = ticketsAt();
    const ticket = tickets.issue();
    expect(tickets.redeem(ticket)).toBe(true);
    expect(tickets.redeem(ticket)).toBe(false);
  });

  it("refuses a ticket after 30 seconds", () => {
    const { clock, tickets } = ticketsAt();
    const early = tickets.issue();
    const late = tickets.issue();
    clock.now += 29_999;
    expect(tickets.redeem(early)).toBe(true);
    clock.now += 1;
    expect(tickets.redeem(late)).toBe(false);
  });

  it("refuses what it never issued", () => {
    const { tickets } = ticketsAt();
    tickets.issue();
    expect(tickets.redeem(undefined)).toBe(false);
    expect(tickets.redeem("")).toBe(false);
    expect(tickets.redeem("not-a-ticket")).toBe(false);
  });

  it("issues distinct 256-bit base64url tickets", () => {
    const { tickets } = ticketsAt();
    const issued = new Set(Array.from({ length: 100 }, () => tickets.issue()));
    expect(issued.size).toBe(100);
    for (const ticket of issued) expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("forgets expired tickets when it issues new ones", () => {
    const { clock, tickets } = ticketsAt();
    const old = tickets.issue();
    clock.now += 30_000;
    tickets.issue();
    clock.now -= 30_000;
    // Had it been kept, the rewound clock would make it valid again.
    expect(tickets.redeem(old)).toBe(false);
  });
});
