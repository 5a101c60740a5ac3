import { existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { serve, upgradeWebSocket } from "@hono/node-server";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { Agent, fetch as undiciFetch } from "undici";
import { FULL_ACCESS } from "../core/access.js";
import { createMcpPodman } from "../core/app.js";
import { type Config, USAGE, parseCli } from "../core/config.js";
import { McpPodmanError } from "../core/errors.js";
import { Logger } from "../core/log.js";
import type { SocketFetch } from "../core/podman/client.js";
import { nodeHostFiles } from "./node-files.js";
import { mcpWebSocketServer } from "./node-websocket.js";

declare const MCP_PODMAN_VERSION: string;
const version = typeof MCP_PODMAN_VERSION === "string" ? MCP_PODMAN_VERSION : "dev";

/** After the deadline, cancelled calls get this long to clean up (a compose rollback). */
const CLEANUP_GRACE_MS = 15_000;

/** undici speaks HTTP over the unix socket; the URL's host is ignored. */
function unixSocketFetch(socketPath: string): SocketFetch {
  const dispatcher = new Agent({ connect: { socketPath }, keepAliveTimeout: 10_000 });
  return (url, init) =>
    undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}

function fail(message: string): never {
  process.stderr.write(`mcp-podman: ${message}\n`);
  process.exit(2);
}

/** Appends audit lines to --audit-log FILE (created 0600), or writes them to stderr. */
function openAuditLog(path: string | undefined): (line: string) => void {
  if (!path) return (line) => process.stderr.write(`${line}\n`);
  let fd: number;
  try {
    fd = openSync(path, "a", 0o600);
  } catch (error) {
    fail(`cannot open --audit-log ${path}: ${(error as Error).message}`);
  }
  // Synchronous appends: an audit line is never lost to a crash right after the call.
  return (line) => writeSync(fd, `${line}\n`);
}

function readStartupFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    fail(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
}

function readConfig(argv: string[]) {
  try {
    return parseCli({
      argv,
      env: process.env,
      exists: existsSync,
      readTextFile: (path) => readFileSync(path, "utf8"),
    });
  } catch (error) {
    if (!(error instanceof McpPodmanError)) throw error;
    fail(error.message);
  }
}

/**
 * The OpenTelemetry SDK is loaded only when something will read it (OTLP
 * export configured, or /metrics over HTTP): it doubles start-up time and memory.
 */
async function loadTelemetry(config: Config) {
  const otlp = Object.keys(process.env).some((name) => name.startsWith("OTEL_EXPORTER_OTLP_"));
  if (!otlp && config.transport === "stdio") return undefined;
  const { startNodeTelemetry } = await import("./node-telemetry.js");
  return startNodeTelemetry(version);
}

export async function runOnNode(argv: string[]): Promise<void> {
  const action = readConfig(argv);
  if (action.kind === "help") return void process.stdout.write(USAGE);
  if (action.kind === "version") return void process.stdout.write(`${version}\n`);

  const { config } = action;
  const logger = new Logger(config.logLevel, (line) => process.stderr.write(`${line}\n`));
  const telemetry = await loadTelemetry(config);
  const core = createMcpPodman(
    config,
    {
      socketFetch: unixSocketFetch(config.socket),
      files: nodeHostFiles,
      logger,
      audit: openAuditLog(config.auditLog),
      metricsText: telemetry?.metricsText,
    },
    version,
  );

  let stopping = false;
  const onSignal = (stop: () => Promise<void>) => (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, running_calls: core.calls.running });
    void stop()
      .then(() => core.calls.settled(CLEANUP_GRACE_MS))
      .then(async (settled) => {
        if (!settled) logger.warning("calls still running after the shutdown grace period");
        await telemetry?.shutdown().catch(() => undefined);
        process.exit(0);
      });
  };

  if (config.transport === "stdio") {
    const server = core.createServer(FULL_ACCESS);
    await core.connect(server, new StdioServerTransport());
    logger.info("serving MCP over stdio", { socket: config.socket, version });
    const stop = onSignal(async () => {
      await core.calls.idle(config.limits.shutdownMs);
      await server.close();
    });
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    process.stdin.on("end", () => stop("SIGHUP"));
    return;
  }
  serveHttp(config, core, logger, onSignal);
}

function serveHttp(
  config: Config,
  core: ReturnType<typeof createMcpPodman>,
  logger: Logger,
  onSignal: (stop: () => Promise<void>) => (signal: NodeJS.Signals) => void,
) {
  const listen = config.listen!;
  const http = core.createHttpApp();
  const tls = config.tls && {
    createServer: createHttpsServer,
    serverOptions: {
      cert: readStartupFile(config.tls.certFile, "--tls-cert"),
      key: readStartupFile(config.tls.keyFile, "--tls-key"),
    },
  };
  const scheme = tls ? "https" : "http";
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  if (config.ws) http.serveWebSocket(upgradeWebSocket);
  const options = {
    fetch: http.app.fetch,
    hostname: listen.host,
    port: listen.port,
    ...tls,
    ...(config.ws ? { websocket: { server: mcpWebSocketServer() } } : {}),
  };
  const listener = serve(options, (info) =>
    logger.info(`serving MCP over ${scheme.toUpperCase()}`, {
      url: `${scheme}://${host}:${info.port}/mcp`,
      ...(config.ws
        ? { websocket: `${scheme === "https" ? "wss" : "ws"}://${host}:${info.port}/ws` }
        : {}),
      socket: config.socket,
      auth: config.noAuth ? "none" : "bearer",
      version,
    }),
  );
  listener.on("error", (error: Error) => {
    logger.error(`cannot listen on ${listen.host}:${listen.port}: ${error.message}`);
    process.exit(1);
  });
  const stop = onSignal(async () => {
    http.drain();
    listener.close();
    await core.calls.idle(config.limits.shutdownMs);
    await http.closeSessions();
  });
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
