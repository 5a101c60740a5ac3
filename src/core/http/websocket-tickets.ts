import type { Access } from "../mcp/access.js";

/** How long a ticket from POST /ws/ticket can open a WebSocket. */
export const TICKET_TTL_SECONDS = 30;

/**
 * Single-use, short-lived tickets that each open one WebSocket. A client that
 * cannot set headers on the upgrade (the MCP SDK's WebSocketClientTransport
 * uses the WHATWG WebSocket) trades its bearer token for a ticket and puts
 * that in the URL instead of the token: URLs end up in proxy logs and in
 * Deno's request spans (url.full), and by then the ticket is spent or expired.
 */
export class WebSocketTickets {
  readonly #expiries = new Map<string, { expiry: number; access: Access }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A ticket that opens one WebSocket with the access of the token that asked for it. */
  issue(access: Access): string {
    const now = this.#now();
    for (const [ticket, held] of this.#expiries) {
      if (held.expiry <= now) this.#expiries.delete(ticket);
    }
    const ticket = base64url(crypto.getRandomValues(new Uint8Array(32)));
    this.#expiries.set(ticket, { expiry: now + TICKET_TTL_SECONDS * 1000, access });
    return ticket;
  }

  /** Spends the ticket: its access once, and only before it expires. */
  redeem(ticket: string | undefined): Access | undefined {
    if (!ticket) return undefined;
    const held = this.#expiries.get(ticket);
    if (held === undefined) return undefined;
    this.#expiries.delete(ticket);
    return held.expiry > this.#now() ? held.access : undefined;
  }
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
