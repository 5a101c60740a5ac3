import { createHash } from "node:crypto";
import { existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { FULL_ACCESS } from "../core/access.js";
import { createMcpPodman } from "../core/app.js";
import { type Config, USAGE, parseCli } from "../core/config.js";
import { McpPodmanError } from "../core/errors.js";
import { Logger } from "../core/log.js";
import { fail } from "./node-fail.js";
import { nodeHostFiles, nodeResolveHostPath } from "./node-files.js";
import { favourSmallHeap } from "./node-memory.js";
import { unixSocketConnect } from "./node-socket-connect.js";
import { unixSocketFetch } from "./node-socket-fetch.js";

declare const MCP_PODMAN_VERSION: string;
const version = typeof MCP_PODMAN_VERSION === "string" ? MCP_PODMAN_VERSION : "dev";

/** After the deadline, cancelled calls get this long to clean up (a compose rollback). */
const CLEANUP_GRACE_MS = 15_000;

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

function readConfig(argv: string[]) {
  try {
    return parseCli({
      argv,
      env: process.env,
      exists: existsSync,
      readTextFile: (path) => readFileSync(path, "utf8"),
      cwd: process.cwd(),
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
  if (config.transport === "stdio") favourSmallHeap();
  const logger = new Logger(config.logLevel, (line) => process.stderr.write(`${line}\n`));
  const telemetry = await loadTelemetry(config);
  const core = createMcpPodman(
    config,
    {
      socketFetch: unixSocketFetch(config.socket),
      socketConnect: unixSocketConnect(config.socket),
      files: nodeHostFiles,
      resolveHostPath: nodeResolveHostPath,
      logger,
      audit: openAuditLog(config.auditLog),
      metricsText: telemetry?.metricsText,
      sha256: (data) => createHash("sha256").update(data).digest(),
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
  const { serveHttp } = await import("./node-http.js");
  serveHttp(config, core, logger, onSignal, version);
}
