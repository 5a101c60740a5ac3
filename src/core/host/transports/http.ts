import type { ServeTransport, ServingHost } from "./transport.js";

function readStartupFile({ adapter, fail }: ServingHost, path: string, flag: string) {
  try {
    return adapter.readStartupFile(path);
  } catch (error) {
    return fail(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
}

/** Streamable HTTP at /mcp, and MCP over WebSocket at /ws with --ws. */
export const serveHttp: ServeTransport = async (host) => {
  const { adapter, config, core, logger, startupFields } = host;
  const listen = config.listen!;
  const http = core.createHttpApp();
  const tls = config.tls && {
    cert: readStartupFile(host, config.tls.certFile, "--tls-cert"),
    key: readStartupFile(host, config.tls.keyFile, "--tls-key"),
  };
  const scheme = tls ? "https" : "http";
  const hostname = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  const listener = await adapter.listen({
    host: listen.host,
    port: listen.port,
    fetch: http.app.fetch,
    tls,
    serveWebSocket: config.ws ? (upgrade) => http.serveWebSocket(upgrade) : undefined,
    onListening: (port) =>
      logger.info(`serving MCP over ${scheme.toUpperCase()}`, {
        url: `${scheme}://${hostname}:${port}/mcp`,
        ...(config.ws
          ? { websocket: `${scheme === "https" ? "wss" : "ws"}://${hostname}:${port}/ws` }
          : {}),
        socket: config.socket,
        auth: config.noAuth ? "none" : "bearer",
        ...startupFields,
      }),
    onError(error) {
      logger.error(`cannot listen on ${listen.host}:${listen.port}: ${error.message}`);
      adapter.exit(1);
    },
  });
  return {
    async stop() {
      http.drain();
      listener.drain();
      await core.calls.idle(config.limits.shutdownMs);
      await http.closeSessions();
      await listener.close();
    },
  };
};
