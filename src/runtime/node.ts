import { existsSync, readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { serve } from "@hono/node-server";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { Agent, fetch as undiciFetch } from "undici";
import { createMcpPodman } from "../core/app.js";
import { USAGE, parseCli } from "../core/config.js";
import { McpPodmanError } from "../core/errors.js";
import type { SocketFetch } from "../core/podman/client.js";
import { nodeHostFiles } from "./node-files.js";

declare const MCP_PODMAN_VERSION: string;
const version = typeof MCP_PODMAN_VERSION === "string" ? MCP_PODMAN_VERSION : "dev";

/** undici speaks HTTP over the unix socket; the URL's host is ignored. */
function unixSocketFetch(socketPath: string): SocketFetch {
  const dispatcher = new Agent({ connect: { socketPath }, keepAliveTimeout: 10_000 });
  return (url, init) =>
    undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}

function log(level: "info" | "error", message: string, fields: Record<string, unknown> = {}) {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`,
  );
}

function readStartupFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    process.stderr.write(`mcp-podman: cannot read ${flag} ${path}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

export async function runOnNode(argv: string[]): Promise<void> {
  let action;
  try {
    action = parseCli({
      argv,
      env: process.env,
      exists: existsSync,
      readTextFile: (path) => readFileSync(path, "utf8"),
    });
  } catch (error) {
    if (!(error instanceof McpPodmanError)) throw error;
    process.stderr.write(`mcp-podman: ${error.message}\n`);
    process.exit(2);
  }
  if (action.kind === "help") return void process.stdout.write(USAGE);
  if (action.kind === "version") return void process.stdout.write(`${version}\n`);

  const { config } = action;
  const core = createMcpPodman(
    config,
    { socketFetch: unixSocketFetch(config.socket), files: nodeHostFiles },
    version,
  );

  if (config.transport === "stdio") {
    const server = core.createServer();
    await server.connect(new StdioServerTransport());
    log("info", "serving MCP over stdio", { socket: config.socket, version });
    const stop = () => void server.close().finally(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    process.stdin.on("end", stop);
    return;
  }

  const listen = config.listen!;
  const http = core.createHttpApp();
  const tls = config.tls && {
    createServer: createHttpsServer,
    serverOptions: {
      cert: readStartupFile(config.tls.certFile, "--tls-cert"),
      key: readStartupFile(config.tls.keyFile, "--tls-key"),
    },
  };
  const scheme = tls ? "https" : "http";
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  const options = { fetch: http.app.fetch, hostname: listen.host, port: listen.port, ...tls };
  const listener = serve(options, (info) =>
    log("info", `serving MCP over ${scheme.toUpperCase()}`, {
      url: `${scheme}://${host}:${info.port}/mcp`,
      socket: config.socket,
      auth: config.noAuth ? "none" : "bearer",
      version,
    }),
  );
  listener.on("error", (error: Error) => {
    log("error", `cannot listen on ${listen.host}:${listen.port}: ${error.message}`);
    process.exit(1);
  });
  const stop = () => {
    listener.close();
    void http.closeSessions().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
