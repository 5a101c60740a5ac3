import type { Config } from "./config.js";
import { createHttpApp } from "./http.js";
import { PodmanClient, type SocketFetch } from "./podman/client.js";
import { ToolRegistry, createMcpServer } from "./server.js";
import { allTools } from "./tools/index.js";
import type { HostFiles } from "./tools/tool.js";

/** Wires the runtime-agnostic pieces; a runtime adapter supplies the socket fetch. */
export interface RuntimeServices {
  socketFetch: SocketFetch;
  files: HostFiles;
}

export function createMcpPodman(
  config: Config,
  { socketFetch, files }: RuntimeServices,
  version: string,
) {
  const podman = new PodmanClient({
    fetch: socketFetch,
    socket: config.socket,
    timeoutMs: config.podmanTimeoutMs,
  });
  const registry = new ToolRegistry(allTools);
  const createServer = () => createMcpServer({ registry, podman, files, version });
  return {
    podman,
    createServer,
    createHttpApp: () => createHttpApp({ config, createServer }),
  };
}
