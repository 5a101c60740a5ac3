import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type RunningServer, connectHttp, startHttpServer } from "./harness.js";

type Scope = "read" | "operate" | "admin";

export interface TokenServer {
  server: RunningServer;
  /** A client holding `token`; stop() closes it. */
  connect(token: string): Promise<Client>;
  /** Closes every client it connected, stops the server and removes its token file. */
  stop(): Promise<void>;
}

/**
 * Starts the bundle over HTTP with a --token-file of its own granting
 * `grants` (token → scope), plus `args`.
 */
export async function serveWithTokens(
  grants: Record<string, Scope>,
  args: string[] = [],
): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-podman-tokens-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const tokenFile = join(dir, "tokens");
  const lines = Object.entries(grants).map(([token, scope]) => `${token} ${scope}\n`);
  writeFileSync(tokenFile, lines.join(""), { mode: 0o600 });
  let server: RunningServer;
  try {
    server = await startHttpServer(["--token-file", tokenFile, ...args]);
  } catch (error) {
    removeDir();
    throw error;
  }
  const clients: Client[] = [];
  return {
    server,
    async connect(token) {
      const client = await connectHttp(server.url, token);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) await client.close();
      await server.stop();
      removeDir();
    },
  };
}
