import { type Scope, type ToolSelection, SCOPES, isScope } from "../mcp/access.js";
import type { ConfigEnvironment } from "../contracts.js";
import {
  FLAGS,
  type FlagValues,
  type ListenAddress,
  type LogLevel,
  readFlags,
  usageSection,
} from "./flags.js";
import { BadArgument } from "../errors.js";
import type { ContainerPolicy } from "../policy/policy.js";

export { LOG_LEVELS, type ListenAddress, type LogLevel, parseListen } from "./flags.js";

/** A bearer token and what it may do. */
export interface TokenGrant {
  token: string;
  scope: Scope;
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
  /** The longest podman_logs and podman_pod_logs may follow a log. */
  maxFollowSeconds: number;
  /** The longest podman_wait may wait. */
  maxWaitSeconds: number;
}

export type CliAction = { kind: "help" } | { kind: "version" } | { kind: "serve"; config: Config };

/** What config parsing needs from the runtime; injected so the core stays runtime-agnostic. */
/** The --help text, built from the flag table when asked for. */
export function usage(): string {
  const { stdio, listen, ws } = FLAGS;
  return `mcp-podman: an MCP server for Podman containers (libpod API over the unix socket)

Usage:
  mcp-podman ${stdio.name} [options]                  serve MCP over stdin/stdout
  mcp-podman ${listen.name} ${listen.value} [options]       serve Streamable HTTP MCP at /mcp
  mcp-podman ${listen.name} ${listen.value} ${ws.name} [options]  and MCP over WebSocket at /ws too

Options:
${usageSection("options")}

Container policy (denied by default; each flag allows one thing):
${usageSection("policy")}

Audit and limits:
${usageSection("limits")}

Environment:
  MCP_PODMAN_TOKEN        a bearer token accepted over HTTP
  CONTAINER_HOST          Podman's own variable: unix:///PATH of the API socket
`;
}

export function parseCli(environment: ConfigEnvironment): CliAction {
  const flags = readFlags(environment.argv);
  if (flags.help) return { kind: "help" };
  if (flags.version) return { kind: "version" };

  const stdio = flags.stdio;
  if (stdio === (flags.listen !== undefined)) {
    throw new BadArgument("choose one transport: --stdio or --listen HOST:PORT (see --help)");
  }
  const listen = flags.listen;
  const noAuth = flags.noAuth;
  const tokens = readTokens(environment, flags.tokenFile);
  const tls = readTls(flags);
  const ws = flags.ws;
  if (ws && !listen)
    throw new BadArgument("--ws needs --listen HOST:PORT: WebSocket is served over HTTP");

  if (listen) {
    if (!tls && !isLoopback(listen.host) && !flags.insecureHttp) {
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
      socket: resolveSocket(flags.socket, environment),
      tokens: noAuth ? [] : tokens,
      noAuth,
      podmanTimeoutMs: flags.podmanTimeout,
      tls,
      metricsPublic: flags.metricsPublic,
      ws,
      logLevel: flags.logLevel,
      tools: {
        readOnly: flags.readOnly,
        include: flags.tools,
        exclude: flags.denyTools ?? [],
      },
      policy: readPolicy(flags, stdio ? environment.cwd : undefined),
      showSecrets: flags.showSecrets,
      auditLog: flags.auditLog,
      limits: {
        maxBodyBytes: flags.maxBodyBytes,
        maxSessions: flags.maxSessions,
        maxSessionsPerToken: flags.maxSessionsPerToken,
        sessionIdleMs: flags.sessionIdleTimeout,
        shutdownMs: flags.shutdownTimeout,
        maxOutputBytes: flags.maxOutputBytes,
        maxFollowSeconds: flags.maxFollowSeconds,
        maxWaitSeconds: flags.maxWaitSeconds,
      },
    },
  };
}

/** `stdioDir`: over stdio the caller is the local user, who may read the working directory. */
function readPolicy(flags: FlagValues, stdioDir: string | undefined): ContainerPolicy {
  return {
    allowPrivileged: flags.allowPrivileged,
    allowCapAdd: flags.allowCapAdd,
    allowHostNamespaces: flags.allowHostNamespaces,
    allowDevices: flags.allowDevices,
    allowUnconfined: flags.allowUnconfined,
    allowBind: flags.allowBind ?? [],
    allowRead: flags.allowRead ?? (stdioDir ? [stdioDir] : []),
    allowBuildNetwork: flags.allowBuildNetwork,
    allowNetworks: flags.allowNetwork,
    allowedRegistries: flags.allowedRegistries,
    maxMemoryBytes: flags.maxMemory,
    maxCpus: flags.maxCpus,
    maxPids: flags.maxPids,
    managedOnly: flags.managedOnly,
    maxCopyBytes: flags.maxCopyBytes,
  };
}

function readTls(flags: FlagValues): Config["tls"] {
  const certFile = flags.tlsCert;
  const keyFile = flags.tlsKey;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new BadArgument("HTTPS needs both --tls-cert and --tls-key");
  return { certFile, keyFile };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
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
