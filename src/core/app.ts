import type { Config } from "./config.js";
import { createHttpApp } from "./http.js";
import { PodmanClient, type SocketFetch } from "./podman/client.js";
import { ToolRegistry, createMcpServer } from "./server.js";
import { allTools } from "./tools/index.js";

/** Wires the runtime-agnostic pieces; a runtime adapter supplies the socket fetch. */
export function createMcpPodman(config: Config, socketFetch: SocketFetch, version: string) {
  const podman = new PodmanClient({
    fetch: socketFetch,
    socket: config.socket,
    timeoutMs: config.podmanTimeoutMs,
  });
  const registry = new ToolRegistry(allTools);
  const createServer = () => createMcpServer({ registry, podman, version });
  return {
    podman,
    createServer,
    createHttpApp: () => createHttpApp({ config, createServer }),
  };
}
