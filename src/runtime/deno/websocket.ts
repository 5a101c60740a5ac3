import { WSContext, type WSReadyState, defineWebSocketHelper } from "hono/ws";
import { MCP_SUBPROTOCOL, offeredSubprotocols } from "../../core/http/websocket.js";
import type { DenoApi } from "./api.js";

declare const Deno: DenoApi;

/**
 * Deno upgrades inside the request handler and answers 101 itself; the
 * socket opens once that response is sent, and Deno pings idle peers. "mcp"
 * is answered only when offered. It is set on the response rather than given
 * as Deno's `protocol` option, which splits the offer on ", " exactly and
 * throws on "other,mcp" (valid per RFC 6455, and what the ws package sends).
 */
export const denoUpgradeWebSocket = defineWebSocketHelper((c, events) => {
  const offered = offeredSubprotocols(c.req.header("sec-websocket-protocol"));
  const protocol = offered.includes(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : undefined;
  const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {});
  if (protocol) response.headers.set("sec-websocket-protocol", protocol);
  const context = new WSContext({
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    get readyState() {
      return socket.readyState as WSReadyState;
    },
    protocol: protocol ?? null,
    raw: socket,
    url: c.req.url,
  });
  socket.onopen = (event) => events.onOpen?.(event, context);
  socket.onmessage = (event) => events.onMessage?.(event, context);
  socket.onclose = (event) => events.onClose?.(event, context);
  socket.onerror = (event) => events.onError?.(event, context);
  return response;
});
