/** One open session's place under the limits; releasing it twice is harmless. */
export interface SessionSlot {
  release(): void;
}

export interface SessionRefusal {
  status: 429 | 503;
  message: string;
}

/**
 * The sessions open over HTTP and WebSocket together, counted overall
 * (--max-sessions) and per token (--max-sessions-per-token), so one token's
 * sessions cannot lock the others out. Without tokens (--no-auth) every caller
 * is the same one and only the overall limit applies.
 */
export class SessionSlots {
  #open = 0;
  readonly #perToken = new Map<string, number>();

  constructor(private readonly limits: { maxSessions: number; maxSessionsPerToken: number }) {}

  /** Why a new session of this token would be refused now, if it would. */
  refusal(tokenId: string | undefined): SessionRefusal | undefined {
    if (tokenId !== undefined && this.openFor(tokenId) >= this.limits.maxSessionsPerToken) {
      return {
        status: 429,
        message:
          `Too Many Requests: this token has ${this.limits.maxSessionsPerToken} sessions open ` +
          "(--max-sessions-per-token); close one first",
      };
    }
    if (this.#open >= this.limits.maxSessions) {
      return {
        status: 503,
        message: `Service unavailable: ${this.limits.maxSessions} sessions are open (--max-sessions); close one first`,
      };
    }
    return undefined;
  }

  /** A slot for a new session, or the refusal; taken at once, so concurrent openings count. */
  take(tokenId: string | undefined): SessionSlot | SessionRefusal {
    const refusal = this.refusal(tokenId);
    if (refusal) return refusal;
    this.#open++;
    if (tokenId !== undefined) this.#perToken.set(tokenId, this.openFor(tokenId) + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#open--;
        if (tokenId === undefined) return;
        const left = this.openFor(tokenId) - 1;
        if (left > 0) this.#perToken.set(tokenId, left);
        else this.#perToken.delete(tokenId);
      },
    };
  }

  get open(): number {
    return this.#open;
  }

  openFor(tokenId: string): number {
    return this.#perToken.get(tokenId) ?? 0;
  }
}

export function isRefusal(taken: SessionSlot | SessionRefusal): taken is SessionRefusal {
  return "status" in taken;
}
