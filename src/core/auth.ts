/**
 * Bearer-token checks. Tokens are compared through their SHA-256 digests with a
 * loop that touches every byte, so timing reveals neither content nor length.
 */
export class BearerTokens {
  readonly #digests: Promise<Uint8Array[]>;

  constructor(tokens: string[]) {
    this.#digests = Promise.all(tokens.map(digest));
  }

  /** Answers whether the Authorization header carries one of the tokens. */
  async accepts(authorization: string | undefined): Promise<boolean> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return false;
    const presented = await digest(match[1] as string);
    let accepted = false;
    for (const known of await this.#digests) {
      if (constantTimeEqual(known, presented)) accepted = true;
    }
    return accepted;
  }
}

async function digest(token: string): Promise<Uint8Array> {
  const bytes = new TextEncoder().encode(token);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] ?? 0);
  return difference === 0;
}
