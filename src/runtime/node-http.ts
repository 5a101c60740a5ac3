import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { serve, upgradeWebSocket } from "@hono/node-server";
import type { Config } from "../core/config/config.js";
import type { createMcpPodman } from "../core/app.js";
import type { Logger } from "../core/observability/log.js";
import { fail } from "./node-fail.js";
import { mcpWebSocketServer } from "./node-websocket.js";

function readStartupFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    fail(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
}

/** Streamable HTTP (and WebSocket) serving, loaded only when --listen asks for it. */
export function serveHttp(
  config: Config,
  core: ReturnType<typeof createMcpPodman>,
  logger: Logger,
  onSignal: (stop: () => Promise<void>) => (signal: NodeJS.Signals) => void,
  version: string,
) {
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
  if (config.ws) http.serveWebSocket(upgradeWebSocket);
  const options = {
    fetch: http.app.fetch,
    hostname: listen.host,
    port: listen.port,
    ...tls,
    ...(config.ws ? { websocket: { server: mcpWebSocketServer() } } : {}),
  };
  const listener = serve(options, (info) =>
    logger.info(`serving MCP over ${scheme.toUpperCase()}`, {
      url: `${scheme}://${host}:${info.port}/mcp`,
      ...(config.ws
        ? { websocket: `${scheme === "https" ? "wss" : "ws"}://${host}:${info.port}/ws` }
        : {}),
      socket: config.socket,
      auth: config.noAuth ? "none" : "bearer",
      version,
    }),
  );
  listener.on("error", (error: Error) => {
    logger.error(`cannot listen on ${listen.host}:${listen.port}: ${error.message}`);
    process.exit(1);
  });
  const stop = onSignal(async () => {
    http.drain();
    listener.close();
    await core.calls.idle(config.limits.shutdownMs);
    await http.closeSessions();
  });
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
