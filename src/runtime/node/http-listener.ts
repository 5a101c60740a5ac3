import { createServer as createHttpsServer } from "node:https";
import { serve, upgradeWebSocket } from "@hono/node-server";
import type { HttpListener, ListenOptions } from "../../core/host/adapter.js";
import { mcpWebSocketServer } from "./websocket.js";

/** Streamable HTTP (and WebSocket) serving, loaded only when --listen asks for it. */
export function listenHttp(options: ListenOptions): HttpListener {
  options.serveWebSocket?.(upgradeWebSocket);
  const listener = serve(
    {
      fetch: streamHeadersAfterThisTurn(options.fetch),
      hostname: options.host,
      port: options.port,
      ...(options.tls && { createServer: createHttpsServer, serverOptions: options.tls }),
      ...(options.serveWebSocket ? { websocket: { server: mcpWebSocketServer() } } : {}),
    },
    (info) => options.onListening(info.port),
  );
  listener.on("error", options.onError);
  return {
    drain: () => void listener.close(),
    close: async () => undefined,
  };
}

/**
 * Writes the headers of an event stream (the answer to a POST /mcp) on the
 * next turn of the event loop, not this one: the Podman request the call
 * started in this turn then goes out first, and writing the headers overlaps
 * Podman's work instead of delaying it. The body streams as before.
 */
function streamHeadersAfterThisTurn(fetch: ListenOptions["fetch"]): ListenOptions["fetch"] {
  const afterThisTurn = async (response: Response) => {
    if (response.headers.get("content-type") === "text/event-stream") {
      await new Promise((resolve) => setImmediate(resolve));
    }
    return response;
  };
  return (request, env) => {
    const response = fetch(request, env);
    return response instanceof Promise ? response.then(afterThisTurn) : response;
  };
}
