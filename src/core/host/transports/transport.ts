import type { createMcpPodman } from "../../app.js";
import type { Config } from "../../config/config.js";
import type { Logger } from "../../observability/log.js";
import type { HostAdapter } from "../adapter.js";

export interface ServingHost {
  adapter: HostAdapter;
  config: Config;
  core: ReturnType<typeof createMcpPodman>;
  logger: Logger;
  /** Fields every "serving MCP" line carries. */
  startupFields: Record<string, unknown>;
  /** Ends start-up with a usage error (exit code 2), as a bad flag does. */
  fail(message: string): never;
}

export interface Served {
  /** Refuses new work, lets running calls finish within --shutdown-timeout, closes sessions. */
  stop(): Promise<void>;
  /** Asks for shutdown when the transport's peer goes away. */
  onPeerGone?(shutdown: () => void): void;
}

/** One way of serving MCP; `Config["transport"]` picks it. */
export type ServeTransport = (host: ServingHost) => Promise<Served>;
