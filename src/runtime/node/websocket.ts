import { type WebSocket, WebSocketServer } from "ws";
import { MCP_SUBPROTOCOL } from "../../core/http/websocket.js";

/** How often an idle peer must answer a ping; Deno's upgradeWebSocket checks the same way. */
const HEARTBEAT_MS = 30_000;

/**
 * The `ws` server that completes the handshakes @hono/node-server hands it
 * after the Hono app accepted the upgrade request. It answers the "mcp"
 * subprotocol when offered, and drops peers that stop answering pings so a
 * vanished client does not keep its session open.
 */
export function mcpWebSocketServer(): WebSocketServer {
  const server = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : false),
  });
  const alive = new WeakSet<WebSocket>();
  server.on("connection", (socket: WebSocket) => {
    alive.add(socket);
    socket.on("pong", () => alive.add(socket));
  });
  const heartbeat = setInterval(() => {
    for (const socket of server.clients) {
      if (!alive.delete(socket)) socket.terminate();
      else socket.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  server.on("close", () => clearInterval(heartbeat));
  return server;
}
