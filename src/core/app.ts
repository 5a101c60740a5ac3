import type { RuntimeServices } from "./contracts.js";
import type { Config } from "./config/config.js";
import { AuditTrail } from "./observability/audit.js";
import { createHttpApp } from "./http/http-app.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { InFlightCalls, TrackedTransport } from "./mcp/in-flight.js";
import { PodmanClient } from "./podman/client.js";
import { ToolRegistry, createMcpServer } from "./mcp/server.js";
import { type Access, selectTools } from "./mcp/access.js";
import { allowedHostFiles } from "./policy/host-files.js";

export function createMcpPodman(
  config: Config,
  {
    socketFetch,
    socketConnect,
    files,
    logger,
    audit,
    metricsText,
    sha256,
    resolveHostPath,
    probeTcp,
  }: RuntimeServices,
  version: string,
) {
  const podman = new PodmanClient({
    fetch: socketFetch,
    connect: socketConnect,
    socket: config.socket,
    timeoutMs: config.podmanTimeoutMs,
  });
  const hostFiles = allowedHostFiles(files, config.policy.allowRead);
  const policy = { ...config.policy, resolveHostPath };
  let registry: Promise<ToolRegistry> | undefined;
  /**
   * The tools (some forty modules of schemas) are built by the first request
   * that needs them, not at start: answering `initialize` does not.
   */
  const tools = () =>
    (registry ??= import("./tools/index.js").then(
      ({ toolFamilies }) => new ToolRegistry(selectTools(toolFamilies, config.tools)),
    ));
  const calls = new InFlightCalls();
  const auditTrail = new AuditTrail(audit);
  const createServer = (access: Access) =>
    createMcpServer({
      tools,
      podman,
      files: hostFiles,
      logger,
      version,
      access,
      policy,
      audit: auditTrail,
      showSecrets: config.showSecrets,
      calls,
      maxOutputBytes: config.limits.maxOutputBytes,
      timeLimits: {
        maxFollowSeconds: config.limits.maxFollowSeconds,
        maxWaitSeconds: config.limits.maxWaitSeconds,
      },
      probeTcp,
    });
  /** Connects a server to a transport, counting its requests until they are answered. */
  const connect = (server: Server, transport: Transport) =>
    server.connect(new TrackedTransport(transport, calls));
  return {
    podman,
    calls,
    logger,
    tools,
    createServer,
    connect,
    createHttpApp: () =>
      createHttpApp({ config, podman, createServer, connect, metricsText, sha256 }),
  };
}
