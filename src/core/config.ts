import { type Scope, type ToolSelection, SCOPES, isScope } from "./access.js";
import { BadArgument } from "./errors.js";
import { parseMemory } from "./podman/run-spec.js";
import type { ContainerPolicy } from "./policy/policy.js";
import { withoutTrailingSlashes } from "./policy/host-path.js";

/** A bearer token and what it may do. */
export interface TokenGrant {
  token: string;
  scope: Scope;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface Config {
  transport: "stdio" | "http";
  listen: ListenAddress | undefined;
  /** Path of Podman's API socket. */
  socket: string;
  /** Accepted bearer tokens; empty only with --no-auth on loopback. */
  tokens: TokenGrant[];
  /** Which tools exist at all: --read-only, --tools, --deny-tools. */
  tools: ToolSelection;
  /** What workloads may be created, and which objects may be changed. */
  policy: ContainerPolicy;
  /** Inspect shows the values of secret-looking environment variables. */
  showSecrets: boolean;
  /** Where audit lines go: a file, or stderr when undefined. */
  auditLog: string | undefined;
  limits: Limits;
  noAuth: boolean;
  /** Default limit for one Podman API request. */
  podmanTimeoutMs: number;
  /** Serve /metrics without a token. */
  metricsPublic: boolean;
  /** Also serve MCP over WebSocket at /ws. */
  ws: boolean;
  logLevel: LogLevel;
  /** PEM files for HTTPS; both or neither. */
  tls: { certFile: string; keyFile: string } | undefined;
}

export interface Limits {
  /** Largest HTTP request body; larger ones get 413. */
  maxBodyBytes: number;
  /** Most MCP sessions open at once over HTTP and WebSocket. */
  maxSessions: number;
  /** Most MCP sessions one token may hold open, so one caller cannot lock the others out. */
  maxSessionsPerToken: number;
  /** A session unused this long is closed. */
  sessionIdleMs: number;
  /** How long a shutdown lets running calls finish before it cancels them. */
  shutdownMs: number;
  /** The largest answer any tool may give. */
  maxOutputBytes: number;
}

export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type CliAction = { kind: "help" } | { kind: "version" } | { kind: "serve"; config: Config };

/** What config parsing needs from the runtime; injected so the core stays runtime-agnostic. */
export interface ConfigEnvironment {
  argv: string[];
  env: Record<string, string | undefined>;
  exists(path: string): boolean;
  readTextFile(path: string): string;
  /** The working directory: what a stdio server may read of the host by default. */
  cwd?: string;
}

export const USAGE = `mcp-podman: an MCP server for Podman containers (libpod API over the unix socket)

Usage:
  mcp-podman --stdio [options]                  serve MCP over stdin/stdout
  mcp-podman --listen HOST:PORT [options]       serve Streamable HTTP MCP at /mcp
  mcp-podman --listen HOST:PORT --ws [options]  and MCP over WebSocket at /ws too

Options:
  --socket unix:///PATH   Podman API socket (default: $CONTAINER_HOST, else
                          $XDG_RUNTIME_DIR/podman/podman.sock when it exists,
                          else /run/podman/podman.sock)
  --token-file FILE       bearer tokens for HTTP, one per line: "TOKEN [SCOPE]" with
                          SCOPE read, operate or admin (the default); also
                          $MCP_PODMAN_TOKEN, which has the admin scope
  --no-auth               serve HTTP without a token (loopback addresses only)
  --tls-cert FILE         serve HTTPS with this PEM certificate (chain)
  --tls-key FILE          and this PEM private key
  --insecure-http         allow plain HTTP on a non-loopback address
  --podman-timeout SECS   limit for one Podman API request (default 30)
  --metrics-public        serve /metrics without a token
  --ws                    also serve MCP over WebSocket at /ws (subprotocol "mcp"), one
                          session per connection. The upgrade request carries the token
                          in an Authorization header; a client that cannot set headers
                          (such as the MCP SDK's WebSocketClientTransport) first does
                          POST /ws/ticket with the header, then opens /ws?ticket=TICKET
                          (single use, valid 30 s)
  --read-only             only the read-only tools exist
  --tools LIST            only these tools or families (comma-separated): containers,
                          pods, images, compose, kube, volumes, networks, secrets, system
  --deny-tools LIST       never these tools or families
  --log-level LEVEL       debug, info, warning or error (default info)

Container policy (denied by default; each flag allows one thing):
  --allow-privileged      privileged containers
  --allow-cap-add         added capabilities
  --allow-host-namespaces the host's network, pid, ipc and uts namespaces
  --allow-devices         host devices
  --allow-unconfined      seccomp/apparmor unconfined, label=disable
  --allow-bind DIR        bind mounts of DIR and below (repeat, or comma-separate)
  --allow-read DIR        host files the server itself may read (build contexts,
                          Containerfiles, compose, kube and env files): DIR and below,
                          symlinks resolved (repeat, or comma-separate; default: the
                          working directory over stdio, nothing over HTTP)
  --allow-build-network   builds' RUN steps get a network (default: none)
  --allow-network NAME    existing networks any token may join besides the server's
                          own (repeat, or comma-separate; default: podman, Podman's
                          default network)
  --allowed-registries LIST  only images from these registries
  --max-memory SIZE       memory ceiling and default, e.g. 2g
  --max-cpus N            CPU ceiling and default
  --max-pids N            pids-limit ceiling and default
  --managed-only          every token may change only objects this server created
  --show-secrets          answers show secret values (hidden by default: values of
                          secret-looking names, passwords in URLs, keys, tokens)

Audit and limits:
  --audit-log FILE        one JSON line per mutating call (default: stderr)
  --max-body-bytes N      largest HTTP request body (default 4194304)
  --max-sessions N        most open MCP sessions (default 64)
  --max-sessions-per-token N  most open MCP sessions of one token (default 16)
  --session-idle-timeout SECS  close a session unused this long (default 900)
  --max-output-bytes N    largest answer any tool may give (default 2097152)
  --shutdown-timeout SECS on SIGTERM, how long running calls may finish before they are
                          cancelled (and clean up after themselves) (default 20)
  --help, --version

Environment:
  MCP_PODMAN_TOKEN        a bearer token accepted over HTTP
  CONTAINER_HOST          Podman's own variable: unix:///PATH of the API socket
`;

const VALUE_FLAGS = new Set([
  "--listen",
  "--socket",
  "--token-file",
  "--podman-timeout",
  "--tls-cert",
  "--tls-key",
  "--log-level",
  "--tools",
  "--deny-tools",
  "--allow-bind",
  "--allow-read",
  "--allow-network",
  "--allowed-registries",
  "--max-memory",
  "--max-cpus",
  "--max-pids",
  "--audit-log",
  "--max-body-bytes",
  "--max-sessions",
  "--max-sessions-per-token",
  "--session-idle-timeout",
  "--shutdown-timeout",
  "--max-output-bytes",
]);
/** Value flags that may be given several times; their values join as a comma list. */
const REPEATABLE = new Set(["--allow-bind", "--allow-read", "--allow-network"]);
const SWITCHES = new Set([
  "--stdio",
  "--no-auth",
  "--insecure-http",
  "--metrics-public",
  "--read-only",
  "--allow-privileged",
  "--allow-cap-add",
  "--allow-host-namespaces",
  "--allow-devices",
  "--allow-unconfined",
  "--allow-build-network",
  "--managed-only",
  "--show-secrets",
  "--ws",
  "--help",
  "--version",
]);

export function parseCli(environment: ConfigEnvironment): CliAction {
  const flags = readFlags(environment.argv);
  if (flags.has("--help")) return { kind: "help" };
  if (flags.has("--version")) return { kind: "version" };

  const stdio = flags.has("--stdio");
  const listenText = flags.get("--listen");
  if (stdio === (listenText !== undefined)) {
    throw new BadArgument("choose one transport: --stdio or --listen HOST:PORT (see --help)");
  }
  const listen = listenText === undefined ? undefined : parseListen(listenText);
  const noAuth = flags.has("--no-auth");
  const tokens = readTokens(environment, flags.get("--token-file"));
  const tls = readTls(flags);
  const ws = flags.has("--ws");
  if (ws && !listen)
    throw new BadArgument("--ws needs --listen HOST:PORT: WebSocket is served over HTTP");

  if (listen) {
    if (!tls && !isLoopback(listen.host) && !flags.has("--insecure-http")) {
      throw new BadArgument(
        `plain HTTP on ${listen.host} would send tokens in clear text: give --tls-cert and --tls-key, ` +
          "listen on a loopback address, or pass --insecure-http",
      );
    }
    if (noAuth && !isLoopback(listen.host)) {
      throw new BadArgument(
        `--no-auth is only allowed on a loopback address, not ${listen.host}: give a token instead`,
      );
    }
    if (!noAuth && tokens.length === 0) {
      throw new BadArgument(
        "HTTP needs a bearer token: set MCP_PODMAN_TOKEN or --token-file FILE (or --no-auth on loopback)",
      );
    }
  }

  return {
    kind: "serve",
    config: {
      transport: stdio ? "stdio" : "http",
      listen,
      socket: resolveSocket(flags.get("--socket"), environment),
      tokens: noAuth ? [] : tokens,
      noAuth,
      podmanTimeoutMs: parseSeconds(flags.get("--podman-timeout") ?? "30", "--podman-timeout"),
      tls,
      metricsPublic: flags.has("--metrics-public"),
      ws,
      logLevel: parseLogLevel(flags.get("--log-level") ?? "info"),
      tools: {
        readOnly: flags.has("--read-only"),
        include: listFlag(flags.get("--tools")),
        exclude: listFlag(flags.get("--deny-tools")) ?? [],
      },
      policy: readPolicy(flags, stdio ? environment.cwd : undefined),
      showSecrets: flags.has("--show-secrets"),
      auditLog: flags.get("--audit-log"),
      limits: {
        maxBodyBytes: positiveInteger(flags, "--max-body-bytes", 4 * 1024 * 1024),
        maxSessions: positiveInteger(flags, "--max-sessions", 64),
        maxSessionsPerToken: positiveInteger(flags, "--max-sessions-per-token", 16),
        sessionIdleMs: parseSeconds(
          flags.get("--session-idle-timeout") ?? "900",
          "--session-idle-timeout",
        ),
        shutdownMs: parseSeconds(flags.get("--shutdown-timeout") ?? "20", "--shutdown-timeout"),
        maxOutputBytes: positiveInteger(flags, "--max-output-bytes", 2 * 1024 * 1024),
      },
    },
  };
}

function absoluteDirectories(flags: Map<string, string>, flag: string): string[] | undefined {
  return listFlag(flags.get(flag))?.map((dir) => {
    if (!dir.startsWith("/"))
      throw new BadArgument(`${flag} needs absolute directories, got "${dir}"`);
    return dir.length > 1 ? withoutTrailingSlashes(dir) : dir;
  });
}

/** `stdioDir`: over stdio the caller is the local user, who may read the working directory. */
function readPolicy(flags: Map<string, string>, stdioDir: string | undefined): ContainerPolicy {
  const allowBind = absoluteDirectories(flags, "--allow-bind") ?? [];
  const allowRead = absoluteDirectories(flags, "--allow-read") ?? (stdioDir ? [stdioDir] : []);
  const maxMemory = flags.get("--max-memory");
  const maxCpus = flags.get("--max-cpus");
  return {
    allowPrivileged: flags.has("--allow-privileged"),
    allowCapAdd: flags.has("--allow-cap-add"),
    allowHostNamespaces: flags.has("--allow-host-namespaces"),
    allowDevices: flags.has("--allow-devices"),
    allowUnconfined: flags.has("--allow-unconfined"),
    allowBind,
    allowRead,
    allowBuildNetwork: flags.has("--allow-build-network"),
    allowNetworks: listFlag(flags.get("--allow-network")) ?? ["podman"],
    allowedRegistries: listFlag(flags.get("--allowed-registries")),
    maxMemoryBytes: maxMemory === undefined ? undefined : parseMemory(maxMemory),
    maxCpus: maxCpus === undefined ? undefined : positiveNumber(maxCpus, "--max-cpus"),
    maxPids: flags.has("--max-pids") ? positiveInteger(flags, "--max-pids", 0) : undefined,
    managedOnly: flags.has("--managed-only"),
  };
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new BadArgument(`${flag} expects a positive number, got "${text}"`);
  }
  return value;
}

function positiveInteger(flags: Map<string, string>, flag: string, fallback: number): number {
  const text = flags.get(flag);
  if (text === undefined) return fallback;
  const value = positiveNumber(text, flag);
  if (!Number.isInteger(value))
    throw new BadArgument(`${flag} expects a whole number, got "${text}"`);
  return value;
}

function listFlag(text: string | undefined): string[] | undefined {
  return text
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function parseLogLevel(text: string): LogLevel {
  const level = LOG_LEVELS.find((known) => known === text);
  if (!level)
    throw new BadArgument(`--log-level expects one of ${LOG_LEVELS.join(", ")}, got "${text}"`);
  return level;
}

function readTls(flags: Map<string, string>): Config["tls"] {
  const certFile = flags.get("--tls-cert");
  const keyFile = flags.get("--tls-key");
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new BadArgument("HTTPS needs both --tls-cert and --tls-key");
  return { certFile, keyFile };
}

function readFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (SWITCHES.has(name) && eq < 0) {
      flags.set(name, "");
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new BadArgument(`${name} needs a value`);
      const earlier = REPEATABLE.has(name) ? flags.get(name) : undefined;
      flags.set(name, earlier ? `${earlier},${value}` : value);
    } else {
      throw new BadArgument(`unknown argument ${arg} (see --help)`);
    }
  }
  return flags;
}

export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([^\][]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new BadArgument(`--listen expects HOST:PORT such as 127.0.0.1:8080, got "${text}"`);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parseSeconds(text: string, flag: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new BadArgument(`${flag} expects a positive number of seconds, got "${text}"`);
  }
  return Math.round(seconds * 1000);
}

function resolveSocket(flag: string | undefined, { env, exists }: ConfigEnvironment): string {
  if (flag) return socketPathFromUrl(flag, "--socket");
  if (env.CONTAINER_HOST) return socketPathFromUrl(env.CONTAINER_HOST, "CONTAINER_HOST");
  const rootless = env.XDG_RUNTIME_DIR && `${env.XDG_RUNTIME_DIR}/podman/podman.sock`;
  if (rootless && exists(rootless)) return rootless;
  return "/run/podman/podman.sock";
}

export function socketPathFromUrl(url: string, source: string): string {
  if (url.startsWith("unix://")) {
    const path = url.slice("unix://".length);
    if (path.startsWith("/")) return path;
  } else if (url.startsWith("/")) {
    return url;
  }
  throw new BadArgument(
    `${source} must be a unix socket such as unix:///run/podman/podman.sock, got "${url}"`,
  );
}

function readTokens(environment: ConfigEnvironment, tokenFile: string | undefined): TokenGrant[] {
  const grants: TokenGrant[] = [];
  const fromEnv = environment.env.MCP_PODMAN_TOKEN?.trim();
  if (fromEnv) {
    if (/\s/.test(fromEnv)) throw new BadArgument("MCP_PODMAN_TOKEN must not contain whitespace");
    grants.push({ token: fromEnv, scope: "admin" });
  }
  if (tokenFile) {
    let text: string;
    try {
      text = environment.readTextFile(tokenFile);
    } catch (error) {
      throw new BadArgument(`cannot read --token-file ${tokenFile}: ${(error as Error).message}`);
    }
    const fromFile = text.split("\n").flatMap((line, index) => {
      const [token, scope = "admin", extra] = line.trim().split(/\s+/);
      if (!token || token.startsWith("#")) return [];
      // The message names the line, never the token.
      if (!isScope(scope) || extra !== undefined) {
        throw new BadArgument(
          `--token-file ${tokenFile} line ${index + 1}: expected "TOKEN [SCOPE]" with SCOPE one of ${SCOPES.join(", ")}`,
        );
      }
      return [{ token, scope }];
    });
    if (fromFile.length === 0) throw new BadArgument(`--token-file ${tokenFile} holds no token`);
    grants.push(...fromFile);
  }
  return grants;
}
