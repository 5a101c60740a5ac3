import type { Config } from "./config.js";
import { type AuditSink, AuditTrail } from "./audit.js";
import type { Sha256 } from "./auth.js";
import { createHttpApp } from "./http.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { InFlightCalls, TrackedTransport } from "./in-flight.js";
import type { Logger } from "./log.js";
import { PodmanClient, type SocketConnect, type SocketFetch } from "./podman/client.js";
import { ToolRegistry, createMcpServer } from "./server.js";
import { type Access, selectTools } from "./access.js";
import { allowedHostFiles } from "./policy/host-files.js";
import { toolFamilies } from "./tools/index.js";
import type { HostFiles } from "./tools/tool.js";

/** Wires the runtime-agnostic pieces; a runtime adapter supplies the socket fetch. */
export interface RuntimeServices {
  socketFetch: SocketFetch;
  /** Raw connections for the requests libpod hijacks (exec with stdin). */
  socketConnect?: SocketConnect;
  files: HostFiles;
  logger: Logger;
  /** Receives one JSON line per mutating call (--audit-log FILE, else stderr). */
  audit: AuditSink;
  metricsText?: () => Promise<string>;
  /** A synchronous SHA-256 for bearer tokens, where the runtime has one. */
  sha256?: Sha256;
  /** Where a host path leads with its symlinks followed (the deepest existing part resolved). */
  resolveHostPath: (path: string) => string;
}

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
  const registry = new ToolRegistry(selectTools(toolFamilies, config.tools));
  const calls = new InFlightCalls();
  const auditTrail = new AuditTrail(audit);
  const createServer = (access: Access) =>
    createMcpServer({
      registry,
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
    });
  /** Connects a server to a transport, counting its requests until they are answered. */
  const connect = (server: Server, transport: Transport) =>
    server.connect(new TrackedTransport(transport, calls));
  return {
    podman,
    calls,
    logger,
    createServer,
    connect,
    createHttpApp: () =>
      createHttpApp({ config, podman, createServer, connect, metricsText, sha256 }),
  };
}
