/**
 * What a runtime adapter (src/runtime/node*, src/runtime/deno*) supplies to
 * the core. The core speaks Web APIs only; everything that needs the host
 * (the unix socket, files, hashing, where logs and audit lines go) comes in
 * through these types.
 */
import type { Logger } from "./observability/log.js";

/** What the Podman client reads of an answer: a fetch Response has it, and so may a lighter object. */
export interface PodmanResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

/**
 * A fetch bound to Podman's unix socket, supplied by the runtime adapter
 * (node:http with a socketPath on Node, Deno.createHttpClient on Deno).
 */
export type SocketFetch = (url: string, init: RequestInit) => Promise<PodmanResponse>;

/** One entry of a host directory tree, as HostFiles.walk yields it. */
export interface HostEntry {
  /** Relative to the walked directory, "/"-separated. */
  path: string;
  type: "file" | "directory" | "symlink";
  mode: number;
  size: number;
  mtimeMs: number;
  linkTarget?: string;
}

/**
 * Read access to the host's files (build contexts, compose and kube files),
 * supplied by the runtime adapter. Failures are BadArgument errors naming the
 * path and the reason, never quoting what a file holds. Tools get it wrapped
 * by policy/host-files.ts, which allows only the --allow-read directories.
 */
export interface HostFiles {
  /** Regular files only. */
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  /** Every entry under `dir`, parents before children, symlinks not followed, special files left out. */
  walk(dir: string): AsyncIterable<HostEntry>;
  /** The absolute path with every symlink resolved. */
  realPath(path: string): Promise<string>;
}

/** What the configuration is read from: the command line, the environment and a few host files. */
export interface ConfigEnvironment {
  argv: string[];
  env: Record<string, string | undefined>;
  exists(path: string): boolean;
  readTextFile(path: string): string;
  /** The working directory: what a stdio server may read of the host by default. */
  cwd?: string;
}

/**
 * SHA-256. Web Crypto's is asynchronous, a trip through a thread pool on every
 * request; a runtime adapter may supply its synchronous one instead.
 */
export type Sha256 = (data: Uint8Array<ArrayBuffer>) => Uint8Array | Promise<Uint8Array>;

/** Where audit lines go: a file or stderr, chosen by the runtime adapter (--audit-log). */
export type AuditSink = (line: string) => void;

/**
 * Opens a TCP connection to host:port and closes it at once: true when the
 * connection was accepted, false when it was refused or could not be made. An
 * aborted signal rejects it at once. podman_wait uses it only for ports a
 * container itself publishes.
 */
export type ProbeTcp = (host: string, port: number, signal: AbortSignal) => Promise<boolean>;

/** A raw connection to Podman's socket, for the requests libpod hijacks (exec with stdin). */
export interface SocketConnection {
  readonly readable: ReadableStream<Uint8Array>;
  write(bytes: Uint8Array): Promise<void>;
  /** Half-closes: Podman reads the end of the input while its answer keeps coming. */
  closeWrite(): Promise<void>;
  close(): void;
}

export type SocketConnect = () => Promise<SocketConnection>;

/** Everything the core needs from a runtime to serve. */
export interface RuntimeServices {
  socketFetch: SocketFetch;
  /** Raw connections for the requests libpod hijacks (exec with stdin). */
  socketConnect?: SocketConnect;
  files: HostFiles;
  logger: Logger;
  /** Receives one JSON line per mutating call (--audit-log FILE, else stderr). */
  audit: AuditSink;
  metricsText?: () => Promise<string>;
  /** A synchronous SHA-256 for bearer tokens, where the runtime has one. */
  sha256?: Sha256;
  /** Where a host path leads with its symlinks followed (the deepest existing part resolved). */
  resolveHostPath: (path: string) => string;
  /** TCP connects to the ports containers publish, for podman_wait. */
  probeTcp: ProbeTcp;
}
