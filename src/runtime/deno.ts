import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { WSContext, type WSReadyState, defineWebSocketHelper } from "hono/ws";
import { FULL_ACCESS } from "../core/access.js";
import { createMcpPodman } from "../core/app.js";
import { type Config, USAGE, parseCli } from "../core/config.js";
import { BadArgument, McpPodmanError } from "../core/errors.js";
import { Logger } from "../core/log.js";
import type { SocketFetch } from "../core/podman/client.js";
import { type HostPathProbe, resolveHostPath } from "../core/policy/host-path.js";
import { denoSocketConnect } from "./deno-socket-connect.js";
import type { HostEntry, HostFiles } from "../core/tools/tool.js";
import { MCP_SUBPROTOCOL, offeredSubprotocols } from "../core/websocket.js";

/** The slice of the Deno namespace this adapter uses (the project compiles without Deno's types). */
interface DenoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mode: number | null;
  mtime: Date | null;
}
interface DenoApi {
  args: string[];
  env: { toObject(): Record<string, string> };
  exit(code: number): never;
  statSync(path: string): DenoFileInfo;
  readTextFileSync(path: string): string;
  cwd(): string;
  openSync(
    path: string,
    options: { append: boolean; create: boolean; mode: number },
  ): { writeSync(bytes: Uint8Array): number };
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  lstat(path: string): Promise<DenoFileInfo>;
  readLink(path: string): Promise<string>;
  realPath(path: string): Promise<string>;
  realPathSync(path: string): string;
  lstatSync(path: string): DenoFileInfo;
  stat(path: string): Promise<DenoFileInfo>;
  createHttpClient(options: { proxy: { transport: "unix"; path: string } }): unknown;
  serve(
    options: {
      hostname: string;
      port: number;
      cert?: string;
      key?: string;
      onListen?(address: { port: number }): void;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
  upgradeWebSocket(
    request: Request,
    options: { protocol?: string },
  ): {
    socket: WebSocket;
    response: Response;
  };
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  stderr: { writeSync(bytes: Uint8Array): number };
  stdout: { writeSync(bytes: Uint8Array): number };
}
declare const Deno: DenoApi;

declare const MCP_PODMAN_VERSION: string;
const version = typeof MCP_PODMAN_VERSION === "string" ? MCP_PODMAN_VERSION : "dev";
/** After the deadline, cancelled calls get this long to clean up (a compose rollback). */
const CLEANUP_GRACE_MS = 15_000;
const encoder = new TextEncoder();
const writeErr = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

function fail(message: string): never {
  writeErr(`mcp-podman: ${message}\n`);
  Deno.exit(2);
}

function unixSocketFetch(path: string): SocketFetch {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  return (url, init) => fetch(url, { ...init, client } as RequestInit);
}

/** The reason comes from the error's class alone: a file system message is not ours to pass on. */
function unreadable(path: string, error: unknown): BadArgument {
  if (error instanceof BadArgument) return error;
  const reasons: Record<string, string> = {
    NotFound: "no such file or directory",
    PermissionDenied: "permission denied",
    NotADirectory: "a part of the path is not a directory",
    IsADirectory: "it is a directory",
    FilesystemLoop: "too many levels of symbolic links",
  };
  const name = (error as Error).name;
  return new BadArgument(`cannot read ${path} on the host: ${reasons[name] ?? `error ${name}`}`);
}

/** Checked before reading, so a FIFO or device is never opened. */
async function regularFile(path: string): Promise<void> {
  const info = await Deno.stat(path);
  if (info.isDirectory) throw new BadArgument(`cannot read ${path} on the host: it is a directory`);
  if (!info.isFile)
    throw new BadArgument(`cannot read ${path} on the host: it is not a regular file`);
}

async function* walk(root: string, relative = ""): AsyncGenerator<HostEntry> {
  const dir = relative ? `${root}/${relative}` : root;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    throw unreadable(dir, error);
  }
  for (const name of names.sort()) {
    const path = relative ? `${relative}/${name}` : name;
    const full = `${root}/${path}`;
    const info = await Deno.lstat(full);
    const base = {
      path,
      mode: (info.mode ?? 0o644) & 0o7777,
      size: info.size,
      mtimeMs: info.mtime?.getTime() ?? 0,
    };
    if (info.isSymlink) {
      yield { ...base, type: "symlink", size: 0, linkTarget: await Deno.readLink(full) };
    } else if (info.isDirectory) {
      yield { ...base, type: "directory", size: 0 };
      yield* walk(root, path);
    } else if (info.isFile) {
      yield { ...base, type: "file" };
    }
  }
}

const denoPathProbe: HostPathProbe = {
  realPath(path) {
    try {
      return Deno.realPathSync(path);
    } catch {
      return undefined;
    }
  },
  isSymlink(path) {
    try {
      return Deno.lstatSync(path).isSymlink;
    } catch {
      return false;
    }
  },
};

const denoHostFiles: HostFiles = {
  async readFile(path) {
    try {
      await regularFile(path);
      return await Deno.readFile(path);
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async readTextFile(path) {
    try {
      await regularFile(path);
      return await Deno.readTextFile(path);
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async realPath(path) {
    try {
      return await Deno.realPath(path);
    } catch (error) {
      throw unreadable(path, error);
    }
  },
  async *walk(dir) {
    let info: DenoFileInfo;
    try {
      info = await Deno.lstat(dir);
    } catch (error) {
      throw unreadable(dir, error);
    }
    if (!info.isDirectory) throw new BadArgument(`${dir} is not a directory`);
    yield* walk(dir);
  },
};

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function readConfig() {
  try {
    return parseCli({
      argv: Deno.args,
      env: Deno.env.toObject(),
      exists,
      readTextFile: (path) => Deno.readTextFileSync(path),
      cwd: Deno.cwd(),
    });
  } catch (error) {
    if (!(error instanceof McpPodmanError)) throw error;
    fail(error.message);
  }
}

/**
 * /metrics over HTTP. With OTEL_DENO=true Deno's own OpenTelemetry owns the
 * global providers (and exports OTLP itself); otherwise a pull reader is set up.
 */
async function startMetrics(config: Config) {
  if (config.transport !== "http" || Deno.env.toObject().OTEL_DENO === "true") return undefined;
  const { startPullMetrics } = await import("./deno-metrics.js");
  return startPullMetrics();
}

/**
 * Runs the server on Deno. Deno's built-in OpenTelemetry (OTEL_DENO=true)
 * picks up the core's @opentelemetry/api calls, so no SDK is loaded here.
 */
export async function runOnDeno(): Promise<void> {
  const action = readConfig();
  if (action.kind === "help") return void Deno.stdout.writeSync(encoder.encode(USAGE));
  if (action.kind === "version") return void Deno.stdout.writeSync(encoder.encode(`${version}\n`));

  const { config } = action;
  const logger = new Logger(config.logLevel, (line) => writeErr(`${line}\n`));
  const core = createMcpPodman(
    config,
    {
      socketFetch: unixSocketFetch(config.socket),
      socketConnect: denoSocketConnect(config.socket),
      files: denoHostFiles,
      resolveHostPath: (path) => resolveHostPath(path, denoPathProbe),
      logger,
      audit: openAuditLog(config.auditLog),
      metricsText: await startMetrics(config),
    },
    version,
  );

  let stopping = false;
  const onSignal = (stop: () => Promise<void>) => () => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { running_calls: core.calls.running });
    void stop()
      .then(() => core.calls.settled(CLEANUP_GRACE_MS))
      .then(() => Deno.exit(0));
  };

  if (config.transport === "stdio") {
    const server = core.createServer(FULL_ACCESS);
    await core.connect(server, new StdioServerTransport());
    logger.info("serving MCP over stdio", { socket: config.socket, version, runtime: "deno" });
    const stop = onSignal(async () => {
      await core.calls.idle(config.limits.shutdownMs);
      await server.close();
    });
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
    return;
  }
  await serveHttp(config, core, logger, onSignal);
}

async function serveHttp(
  config: Config,
  core: ReturnType<typeof createMcpPodman>,
  logger: Logger,
  onSignal: (stop: () => Promise<void>) => () => void,
) {
  const listen = config.listen!;
  const http = core.createHttpApp();
  const tls = config.tls && {
    cert: readStartupFile(config.tls.certFile, "--tls-cert"),
    key: readStartupFile(config.tls.keyFile, "--tls-key"),
  };
  const scheme = tls ? "https" : "http";
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  if (config.ws) http.serveWebSocket(denoUpgradeWebSocket);
  const server = Deno.serve(
    {
      hostname: listen.host,
      port: listen.port,
      ...tls,
      onListen: ({ port }) =>
        logger.info(`serving MCP over ${scheme.toUpperCase()}`, {
          url: `${scheme}://${host}:${port}/mcp`,
          ...(config.ws
            ? { websocket: `${scheme === "https" ? "wss" : "ws"}://${host}:${port}/ws` }
            : {}),
          socket: config.socket,
          auth: config.noAuth ? "none" : "bearer",
          version,
          runtime: "deno",
        }),
    },
    http.app.fetch,
  );
  const stop = onSignal(async () => {
    http.drain();
    await core.calls.idle(config.limits.shutdownMs);
    await http.closeSessions();
    await server.shutdown();
  });
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}

/**
 * Deno upgrades inside the request handler and answers 101 itself; the
 * socket opens once that response is sent, and Deno pings idle peers. "mcp"
 * is answered only when offered. It is set on the response rather than given
 * as Deno's `protocol` option, which splits the offer on ", " exactly and
 * throws on "other,mcp" (valid per RFC 6455, and what the ws package sends).
 */
const denoUpgradeWebSocket = defineWebSocketHelper((c, events) => {
  const offered = offeredSubprotocols(c.req.header("sec-websocket-protocol"));
  const protocol = offered.includes(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : undefined;
  const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {});
  if (protocol) response.headers.set("sec-websocket-protocol", protocol);
  const context = new WSContext({
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    get readyState() {
      return socket.readyState as WSReadyState;
    },
    protocol: protocol ?? null,
    raw: socket,
    url: c.req.url,
  });
  socket.onopen = (event) => events.onOpen?.(event, context);
  socket.onmessage = (event) => events.onMessage?.(event, context);
  socket.onclose = (event) => events.onClose?.(event, context);
  socket.onerror = (event) => events.onError?.(event, context);
  return response;
});

/** Appends audit lines to --audit-log FILE (created 0600), or writes them to stderr. */
function openAuditLog(path: string | undefined): (line: string) => void {
  if (!path) return (line) => writeErr(`${line}\n`);
  let file: { writeSync(bytes: Uint8Array): number };
  try {
    file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  } catch (error) {
    fail(`cannot open --audit-log ${path}: ${(error as Error).message}`);
  }
  return (line) => file.writeSync(encoder.encode(`${line}\n`));
}

function readStartupFile(path: string, flag: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    fail(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
}
