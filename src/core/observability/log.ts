import type { LogLevel } from "../config/config.js";

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export type LogFields = Record<string, unknown>;

/** Receives log records at or above its own level; MCP sessions subscribe this way. */
export type LogSink = (level: LogLevel, message: string, fields: LogFields) => void;

/**
 * Structured logs: one JSON object per line to stderr (journald keeps them
 * whole), plus every subscribed MCP session that asked for logging.
 */
export class Logger {
  readonly #sinks = new Set<LogSink>();

  constructor(
    private readonly level: LogLevel,
    private readonly writeLine: (line: string) => void,
  ) {}

  log(level: LogLevel, message: string, fields: LogFields = {}) {
    if (SEVERITY[level] >= SEVERITY[this.level]) {
      this.writeLine(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
    }
    for (const sink of this.#sinks) sink(level, message, fields);
  }

  debug = (message: string, fields?: LogFields) => this.log("debug", message, fields);
  info = (message: string, fields?: LogFields) => this.log("info", message, fields);
  warning = (message: string, fields?: LogFields) => this.log("warning", message, fields);
  error = (message: string, fields?: LogFields) => this.log("error", message, fields);

  /** Adds a sink; answers the function that removes it. */
  subscribe(sink: LogSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }
}
