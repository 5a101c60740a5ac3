import { createServer as createHttpsServer } from "node:https";
import { serve, upgradeWebSocket } from "@hono/node-server";
import type { HttpListener, ListenOptions } from "../../core/host/adapter.js";
import { mcpWebSocketServer } from "./websocket.js";

/** Streamable HTTP (and WebSocket) serving, loaded only when --listen asks for it. */
export function listenHttp(options: ListenOptions): HttpListener {
  options.serveWebSocket?.(upgradeWebSocket);
  const listener = serve(
    {
      fetch: options.fetch,
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
