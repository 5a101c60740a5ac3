import { createMcpPodman } from "../app.js";
import { type CliAction, parseCli, usage } from "../config/config.js";
import { McpPodmanError } from "../errors.js";
import { Logger } from "../observability/log.js";
import type { HostAdapter } from "./adapter.js";
import { shutdownOnSignal } from "./shutdown.js";
import { TRANSPORTS } from "./transports/index.js";

declare const MCP_PODMAN_VERSION: string;
const version = typeof MCP_PODMAN_VERSION === "string" ? MCP_PODMAN_VERSION : "dev";

/**
 * The one host lifecycle: read the config, answer --help/--version, open the
 * audit log, start telemetry, serve the configured transport, and on a
 * signal drain, settle and exit. The adapter supplies only what its runtime does differently.
 */
export async function runHost(adapter: HostAdapter): Promise<void> {
  const fail = (message: string): never => {
    adapter.writeStderr(`mcp-podman: ${message}\n`);
    return adapter.exit(2);
  };
  const action = readConfig(adapter, fail);
  if (action.kind === "help") return adapter.writeStdout(usage());
  if (action.kind === "version") return adapter.writeStdout(`${version}\n`);

  const { config } = action;
  adapter.tune?.(config);
  const logger = new Logger(config.logLevel, (line) => adapter.writeStderr(`${line}\n`));
  const telemetry = await adapter.startTelemetry(config, version);
  const core = createMcpPodman(
    config,
    {
      ...adapter.services(config),
      logger,
      audit: openAuditLog(adapter, config.auditLog, fail),
      metricsText: telemetry?.metricsText,
    },
    version,
  );
  // A --tools or --deny-tools name that names nothing is a usage error at start.
  if (config.tools.include || config.tools.exclude.length > 0) await core.tools();
  const startupFields = {
    version,
    ...(adapter.runtimeName ? { runtime: adapter.runtimeName } : {}),
  };
  const served = await TRANSPORTS[config.transport]({
    adapter,
    config,
    core,
    logger,
    startupFields,
    fail,
  });
  const shutdown = shutdownOnSignal({ adapter, logger, calls: core.calls, telemetry }, served.stop);
  served.onPeerGone?.(() => shutdown("SIGHUP"));
}

function readConfig(adapter: HostAdapter, fail: (message: string) => never): CliAction {
  try {
    return parseCli(adapter.configEnvironment());
  } catch (error) {
    if (!(error instanceof McpPodmanError)) throw error;
    return fail(error.message);
  }
}

/** Appends audit lines to --audit-log FILE (created 0600), or writes them to stderr. */
function openAuditLog(
  adapter: HostAdapter,
  path: string | undefined,
  fail: (message: string) => never,
): (line: string) => void {
  if (!path) return (line) => adapter.writeStderr(`${line}\n`);
  try {
    return adapter.openAppendLog(path);
  } catch (error) {
    return fail(`cannot open --audit-log ${path}: ${(error as Error).message}`);
  }
}
