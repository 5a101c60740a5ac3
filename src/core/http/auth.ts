import type { Access } from "../mcp/access.js";
import type { TokenGrant } from "../config/config.js";
import type { Sha256 } from "../contracts.js";

const webCryptoSha256: Sha256 = async (data) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", data));

/**
 * Bearer-token checks. Tokens are compared through their SHA-256 digests with a
 * loop that touches every byte, so timing reveals neither content nor length.
 */
export class BearerTokens {
  readonly #known: Promise<{ digest: Uint8Array; access: Access }[]>;
  readonly #sha256: Sha256;

  constructor(grants: TokenGrant[], sha256: Sha256 = webCryptoSha256) {
    this.#sha256 = sha256;
    this.#known = Promise.all(
      grants.map(async ({ token, scope }) => {
        const bytes = await this.#digest(token);
        return { digest: bytes, access: { scope, tokenId: tokenId(bytes) } };
      }),
    );
  }

  /** The access the Authorization header's token grants, or undefined for none. */
  async identify(authorization: string | undefined): Promise<Access | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return undefined;
    const presented = await this.#digest(match[1] as string);
    let granted: Access | undefined;
    for (const known of await this.#known) {
      if (constantTimeEqual(known.digest, presented)) granted = known.access;
    }
    return granted;
  }

  async #digest(token: string): Promise<Uint8Array> {
    return this.#sha256(new TextEncoder().encode(token));
  }

  /** Answers whether the Authorization header carries one of the tokens. */
  async accepts(authorization: string | undefined): Promise<boolean> {
    return (await this.identify(authorization)) !== undefined;
  }
}

/** Names a token in logs: the first 8 hex digits of its SHA-256, never the token. */
function tokenId(digest: Uint8Array): string {
  return [...digest.slice(0, 4)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] ?? 0);
  return difference === 0;
}
