import { BadArgument } from "../errors.js";
import { parseMemory } from "../podman/run-spec/resources.js";
import { withoutTrailingSlashes } from "../policy/host-path.js";
import { DEFAULT_MAX_COPY_BYTES } from "../policy/policy.js";

export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ListenAddress {
  host: string;
  port: number;
}

/** Where a flag is listed in --help; a flag with no section is named only in the synopsis. */
type Section = "options" | "policy" | "limits";

/**
 * One command-line flag: its name, how its value reads, and its --help text.
 * `parse` gets the text given (undefined when absent; "" for a given switch).
 */
interface Flag<T> {
  name: string;
  /** The value's placeholder in --help; a flag without one is a switch. */
  value?: string;
  /** Given several times, the values join as a comma list. */
  repeatable?: boolean;
  section?: Section;
  /** Lines of --help text; without any, the flag is listed bare on its section's last line. */
  help?: string;
  parse(text: string | undefined): T;
}

interface FlagText {
  section?: Section;
  help?: string;
}

function toggle(name: string, text: FlagText = {}): Flag<boolean> {
  return { name, ...text, parse: (given) => given !== undefined };
}

function text(name: string, value: string, text: FlagText = {}): Flag<string | undefined> {
  return { name, value, ...text, parse: (given) => given };
}

function list(
  name: string,
  value: string,
  text: FlagText & { repeatable?: boolean } = {},
): Flag<string[] | undefined> {
  return { name, value, ...text, parse: commaList };
}

function directories(name: string, text: FlagText): Flag<string[] | undefined> {
  return {
    name,
    value: "DIR",
    repeatable: true,
    ...text,
    parse: (given) =>
      commaList(given)?.map((dir) => {
        if (!dir.startsWith("/"))
          throw new BadArgument(`${name} needs absolute directories, got "${dir}"`);
        return dir.length > 1 ? withoutTrailingSlashes(dir) : dir;
      }),
  };
}

/** A value with a default, which --help states at the end of the flag's text. */
function withDefault<T>(
  name: string,
  value: string,
  fallback: string | number,
  text: FlagText,
  parse: (given: string) => T,
): Flag<T> {
  return {
    name,
    value,
    ...text,
    help: `${text.help} (default ${fallback})`,
    parse: (given) => parse(given ?? String(fallback)),
  };
}

const seconds = (name: string, fallback: number, text: FlagText) =>
  withDefault(name, "SECS", fallback, text, (given) => parseSeconds(given, name));

const count = (name: string, fallback: number, text: FlagText) =>
  withDefault(name, "N", fallback, text, (given) => positiveInteger(given, name));

const limits = { section: "limits" } as const;
const policy = { section: "policy" } as const;
const options = { section: "options" } as const;

/** Every flag, in --help order. */
export const FLAGS = {
  stdio: toggle("--stdio"),
  listen: {
    name: "--listen",
    value: "HOST:PORT",
    parse: (given) => (given === undefined ? undefined : parseListen(given)),
  } as Flag<ListenAddress | undefined>,
  socket: text("--socket", "unix:///PATH", {
    ...options,
    help: `Podman API socket (default: $CONTAINER_HOST, else
$XDG_RUNTIME_DIR/podman/podman.sock when it exists,
else /run/podman/podman.sock)`,
  }),
  tokenFile: text("--token-file", "FILE", {
    ...options,
    help: `bearer tokens for HTTP, one per line: "TOKEN [SCOPE]" with
SCOPE read, operate or admin (the default); also
$MCP_PODMAN_TOKEN, which has the admin scope`,
  }),
  noAuth: toggle("--no-auth", {
    ...options,
    help: "serve HTTP without a token (loopback addresses only)",
  }),
  tlsCert: text("--tls-cert", "FILE", {
    ...options,
    help: "serve HTTPS with this PEM certificate (chain)",
  }),
  tlsKey: text("--tls-key", "FILE", { ...options, help: "and this PEM private key" }),
  insecureHttp: toggle("--insecure-http", {
    ...options,
    help: "allow plain HTTP on a non-loopback address",
  }),
  podmanTimeout: seconds("--podman-timeout", 30, {
    ...options,
    help: "limit for one Podman API request",
  }),
  metricsPublic: toggle("--metrics-public", {
    ...options,
    help: "serve /metrics without a token",
  }),
  ws: toggle("--ws", {
    ...options,
    help: `also serve MCP over WebSocket at /ws (subprotocol "mcp"), one
session per connection. The upgrade request carries the token
in an Authorization header; a client that cannot set headers
(such as the MCP SDK's WebSocketClientTransport) first does
POST /ws/ticket with the header, then opens /ws?ticket=TICKET
(single use, valid 30 s)`,
  }),
  readOnly: toggle("--read-only", { ...options, help: "only the read-only tools exist" }),
  tools: list("--tools", "LIST", {
    ...options,
    help: `only these tools or families (comma-separated): containers,
pods, images, compose, kube, volumes, networks, secrets, system`,
  }),
  denyTools: list("--deny-tools", "LIST", { ...options, help: "never these tools or families" }),
  logLevel: withDefault(
    "--log-level",
    "LEVEL",
    "info",
    { ...options, help: "debug, info, warning or error" },
    parseLogLevel,
  ),

  allowPrivileged: toggle("--allow-privileged", { ...policy, help: "privileged containers" }),
  allowCapAdd: toggle("--allow-cap-add", { ...policy, help: "added capabilities" }),
  allowHostNamespaces: toggle("--allow-host-namespaces", {
    ...policy,
    help: "the host's network, pid, ipc and uts namespaces",
  }),
  allowDevices: toggle("--allow-devices", { ...policy, help: "host devices" }),
  allowUnconfined: toggle("--allow-unconfined", {
    ...policy,
    help: "seccomp/apparmor unconfined, label=disable",
  }),
  allowBind: directories("--allow-bind", {
    ...policy,
    help: "bind mounts of DIR and below (repeat, or comma-separate)",
  }),
  allowRead: directories("--allow-read", {
    ...policy,
    help: `host files the server itself may read (build contexts,
Containerfiles, compose, kube and env files): DIR and below,
symlinks resolved (repeat, or comma-separate; default: the
working directory over stdio, nothing over HTTP)`,
  }),
  allowBuildNetwork: toggle("--allow-build-network", {
    ...policy,
    help: "builds' RUN steps get a network (default: none)",
  }),
  allowNetwork: {
    ...list("--allow-network", "NAME", {
      ...policy,
      repeatable: true,
      help: `existing networks any token may join besides the server's
own (repeat, or comma-separate; default: podman, Podman's
default network)`,
    }),
    parse: (given) => commaList(given) ?? ["podman"],
  } as Flag<string[]>,
  allowedRegistries: list("--allowed-registries", "LIST", {
    ...policy,
    help: "only images from these registries",
  }),
  maxMemory: {
    name: "--max-memory",
    value: "SIZE",
    ...policy,
    help: "memory ceiling and default, e.g. 2g",
    parse: (given) => (given === undefined ? undefined : parseMemory(given)),
  } as Flag<number | undefined>,
  maxCpus: {
    name: "--max-cpus",
    value: "N",
    ...policy,
    help: "CPU ceiling and default",
    parse: (given) => (given === undefined ? undefined : positiveNumber(given, "--max-cpus")),
  } as Flag<number | undefined>,
  maxPids: {
    name: "--max-pids",
    value: "N",
    ...policy,
    help: "pids-limit ceiling and default",
    parse: (given) => (given === undefined ? undefined : positiveInteger(given, "--max-pids")),
  } as Flag<number | undefined>,
  managedOnly: toggle("--managed-only", {
    ...policy,
    help: "every token may change only objects this server created",
  }),
  showSecrets: toggle("--show-secrets", {
    ...policy,
    help: `answers show secret values (hidden by default: values of
secret-looking names, passwords in URLs, keys, tokens)`,
  }),

  auditLog: text("--audit-log", "FILE", {
    ...limits,
    help: "one JSON line per mutating call (default: stderr)",
  }),
  maxBodyBytes: count("--max-body-bytes", 4 * 1024 * 1024, {
    ...limits,
    help: "largest HTTP request body",
  }),
  maxSessions: count("--max-sessions", 64, { ...limits, help: "most open MCP sessions" }),
  maxSessionsPerToken: count("--max-sessions-per-token", 16, {
    ...limits,
    help: "most open MCP sessions of one token",
  }),
  sessionIdleTimeout: seconds("--session-idle-timeout", 900, {
    ...limits,
    help: "close a session unused this long",
  }),
  maxOutputBytes: count("--max-output-bytes", 2 * 1024 * 1024, {
    ...limits,
    help: "largest answer any tool may give",
  }),
  maxFollowSeconds: count("--max-follow-seconds", 300, {
    ...limits,
    help: "longest a logs call may follow a log",
  }),
  maxWaitSeconds: count("--max-wait-seconds", 300, {
    ...limits,
    help: "longest podman_wait may wait",
  }),
  maxCopyBytes: count("--max-copy-bytes", DEFAULT_MAX_COPY_BYTES, {
    ...limits,
    help: `most bytes one call may send into a container: the files of
podman_write_files, the stdin of podman_exec`,
  }),
  shutdownTimeout: seconds("--shutdown-timeout", 20, {
    ...limits,
    help: `on SIGTERM, how long running calls may finish before they are
cancelled (and clean up after themselves)`,
  }),
  help: toggle("--help", limits),
  version: toggle("--version", limits),
} satisfies Record<string, Flag<unknown>>;

type Flags = typeof FLAGS;

/** What the command line says, each value parsed (and checked) when first read. */
export type FlagValues = { readonly [K in keyof Flags]: ReturnType<Flags[K]["parse"]> };

const byName = new Map<string, Flag<unknown>>(
  Object.values(FLAGS).map((flag) => [flag.name, flag]),
);

export function readFlags(argv: string[]): FlagValues {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf("=");
    const flag = byName.get(eq > 0 ? arg.slice(0, eq) : arg);
    if (flag && !flag.value && eq < 0) {
      given.set(flag.name, "");
    } else if (flag?.value) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new BadArgument(`${flag.name} needs a value`);
      const earlier = flag.repeatable ? given.get(flag.name) : undefined;
      given.set(flag.name, earlier ? `${earlier},${value}` : value);
    } else {
      throw new BadArgument(`unknown argument ${arg} (see --help)`);
    }
  }
  const values = {};
  for (const [key, flag] of Object.entries(FLAGS) as [string, Flag<unknown>][]) {
    Object.defineProperty(values, key, { get: () => flag.parse(given.get(flag.name)) });
  }
  return values as FlagValues;
}

const HELP_COLUMN = 26;

/** One section of --help: each flag with its text, then the bare flags on one line. */
export function usageSection(section: Section): string {
  const flags: Flag<unknown>[] = Object.values(FLAGS).filter((flag) => flag.section === section);
  const lines = flags.flatMap(({ name, value, help }) => {
    if (!help) return [];
    const label = `  ${value ? `${name} ${value}` : name}`;
    const [first, ...rest] = help.split("\n");
    const gap = label.length < HELP_COLUMN ? " ".repeat(HELP_COLUMN - label.length) : "  ";
    return [`${label}${gap}${first}`, ...rest.map((line) => `${" ".repeat(HELP_COLUMN)}${line}`)];
  });
  const bare = flags.filter((flag) => !flag.help).map((flag) => flag.name);
  if (bare.length) lines.push(`  ${bare.join(", ")}`);
  return lines.join("\n");
}

function commaList(text: string | undefined): string[] | undefined {
  return text
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new BadArgument(`${flag} expects a positive number, got "${text}"`);
  }
  return value;
}

function positiveInteger(text: string, flag: string): number {
  const value = positiveNumber(text, flag);
  if (!Number.isInteger(value))
    throw new BadArgument(`${flag} expects a whole number, got "${text}"`);
  return value;
}

function parseSeconds(text: string, flag: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new BadArgument(`${flag} expects a positive number of seconds, got "${text}"`);
  }
  return Math.round(seconds * 1000);
}

function parseLogLevel(text: string): LogLevel {
  const level = LOG_LEVELS.find((known) => known === text);
  if (!level)
    throw new BadArgument(`--log-level expects one of ${LOG_LEVELS.join(", ")}, got "${text}"`);
  return level;
}

export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([^\][]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new BadArgument(`--listen expects HOST:PORT such as 127.0.0.1:8080, got "${text}"`);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}
