import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { UpgradeWebSocket } from "hono/ws";
import type { ConfigEnvironment, RuntimeServices } from "../contracts.js";
import type { Config } from "../config/config.js";

/** What a runtime's telemetry SDK gives the core, when one was started. */
export interface HostTelemetry {
  /** The Prometheus text exposition behind GET /metrics. */
  metricsText?: () => Promise<string>;
  /** Flushes what is buffered; awaited before the process exits. */
  shutdown?: () => Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** `env` is what the runtime binds to the request (its WebSocket upgrade reads it). */
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  tls: { cert: string; key: string } | undefined;
  /** With --ws: hands the runtime's upgrade helper to the app, before the listener serves. */
  serveWebSocket: ((upgrade: UpgradeWebSocket) => void) | undefined;
  /** Called once the listener is bound, with the port it got. */
  onListening(port: number): void;
  /** Called when binding fails after `listen` returned. */
  onError(error: Error): void;
}

export interface HttpListener {
  /** Shutdown begins: a listener that can refuse new connections on its own does so now. */
  drain(): void;
  /** The sessions are closed: whatever is left of the listener goes. */
  close(): Promise<void>;
}

export type ShutdownSignal = "SIGTERM" | "SIGINT" | "SIGHUP";

/**
 * Everything the host lifecycle needs from a runtime; the rest of the start,
 * serve and shutdown sequence is written once in the core.
 */
export interface HostAdapter {
  /** Named in the start-up log line; Node's lines name none. */
  runtimeName?: string;
  /** Read once, at start-up. */
  configEnvironment(): ConfigEnvironment;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  exit(code: number): never;
  /** Runs once the config is known and before anything is served. */
  tune?(config: Config): void;
  services(
    config: Config,
  ): Pick<
    RuntimeServices,
    "socketFetch" | "socketConnect" | "files" | "resolveHostPath" | "sha256" | "probeTcp"
  >;
  /** Opens FILE for appending (created 0600) and answers a synchronous line writer; throws when it cannot. */
  openAppendLog(path: string): (line: string) => void;
  /** A PEM file named by a flag, read once at start-up. */
  readStartupFile(path: string): string;
  /** Starts the telemetry SDK when something will read it. */
  startTelemetry(config: Config, version: string): Promise<HostTelemetry | undefined>;
  onShutdownSignal(handler: (signal: ShutdownSignal) => void): void;
  /** MCP over this process's stdin and stdout. */
  stdioTransport(): Transport;
  /** The end of stdin, where the runtime reports it: the stdio client went away. */
  onStdinEnd?(handler: () => void): void;
  listen(options: ListenOptions): Promise<HttpListener>;
}
