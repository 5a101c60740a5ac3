import { FULL_ACCESS } from "../../mcp/access.js";
import type { ServeTransport } from "./transport.js";

/** One client on stdin/stdout, the local user, with every tool the config left. */
export const serveStdio: ServeTransport = async ({
  adapter,
  config,
  core,
  logger,
  startupFields,
}) => {
  const server = core.createServer(FULL_ACCESS);
  await core.connect(server, adapter.stdioTransport());
  logger.info("serving MCP over stdio", { socket: config.socket, ...startupFields });
  return {
    async stop() {
      await core.calls.idle(config.limits.shutdownMs);
      await server.close();
    },
    onPeerGone: adapter.onStdinEnd,
  };
};
