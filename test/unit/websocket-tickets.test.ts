import { describe, expect, it } from "vitest";
import type { Access } from "../../src/core/mcp/access.js";
import { WebSocketTickets } from "../../src/core/http/websocket-tickets.js";

const ACCESS: Access = { scope: "operate", tokenId: "0123abcd" };

/** Tickets on a clock the test moves by hand. */
function ticketsAt(start = 1_000_000) {
  const clock = { now: start };
  return { clock, tickets: new WebSocketTickets(() => clock.now) };
}

describe("WebSocketTickets", () => {
  it("redeems a ticket once", () => {
    const { tickets } = ticketsAt();
    const ticket = tickets.issue(ACCESS);
    expect(tickets.redeem(ticket)).toEqual(ACCESS);
    expect(tickets.redeem(ticket)).toBeUndefined();
  });

  it("refuses a ticket after 30 seconds", () => {
    const { clock, tickets } = ticketsAt();
    const early = tickets.issue(ACCESS);
    const late = tickets.issue(ACCESS);
    clock.now += 29_999;
    expect(tickets.redeem(early)).toEqual(ACCESS);
    clock.now += 1;
    expect(tickets.redeem(late)).toBeUndefined();
  });

  it("refuses what it never issued", () => {
    const { tickets } = ticketsAt();
    tickets.issue(ACCESS);
    expect(tickets.redeem(undefined)).toBeUndefined();
    expect(tickets.redeem("")).toBeUndefined();
    expect(tickets.redeem("not-a-ticket")).toBeUndefined();
  });

  it("issues distinct 256-bit base64url tickets", () => {
    const { tickets } = ticketsAt();
    const issued = new Set(Array.from({ length: 100 }, () => tickets.issue(ACCESS)));
    expect(issued.size).toBe(100);
    for (const ticket of issued) expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("forgets expired tickets when it issues new ones", () => {
    const { clock, tickets } = ticketsAt();
    const old = tickets.issue(ACCESS);
    clock.now += 30_000;
    tickets.issue(ACCESS);
    clock.now -= 30_000;
    // Had it been kept, the rewound clock would make it valid again.
    expect(tickets.redeem(old)).toBeUndefined();
  });
});
