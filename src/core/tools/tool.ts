import type * as z from "zod";
import type { Access } from "../access.js";
import type { AuditedChanges } from "../audit.js";
import type { PodmanClient } from "../podman/client.js";
import type { ContainerPolicy } from "../policy/policy.js";

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

/** What a handler gets: the Podman client, host files, the call's abort signal and a progress reporter. */
export interface ToolContext {
  podman: PodmanClient;
  files: HostFiles;
  signal: AbortSignal;
  progress(message: string, progress?: number, total?: number): Promise<void>;
  /** What the server lets any caller create, and who owns what. */
  policy: ContainerPolicy;
  /** Who is calling. */
  access: Access;
  /** --show-secrets: inspect shows the values of secret-looking environment variables. */
  showSecrets: boolean;
}

/** MCP tool annotations; every tool states all four. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface Tool<Input extends z.ZodObject, Output extends z.ZodObject> {
  name: string;
  title: string;
  /** Written for the model: what it does, when to prefer it, what comes back. */
  description: string;
  input: Input;
  output: Output;
  annotations: ToolAnnotations;
  /**
   * The token scope it needs, when not the one its annotations imply
   * (read-only tools: read; the rest: operate). "admin" marks the tools that
   * remove or publish what other workloads may rely on.
   */
  scope?: "admin";
  /**
   * Arguments that hold a credential (a secret's value): the server never
   * records them, in audit lines, logs or spans, and answers never echo them.
   */
  secretArguments?: readonly (keyof z.output<Input> & string)[];
  handle(ctx: ToolContext, args: z.output<Input>): Promise<z.input<Output>>;
  /** The compact text twin of the structured result. */
  render(result: z.output<Output>): string;
  /**
   * What a successful call created and removed, for its audit line, as
   * "kind/name" (or "kind/short-id"): names only, never contents or values.
   */
  audit?(result: z.output<Output>): AuditedChanges;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list holds tools of every shape
export type AnyTool = Tool<any, any>;

/** One tool, declared in one place: schema, annotations, handler and rendering. */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  tool: Tool<Input, Output>,
): Tool<Input, Output> {
  return tool;
}
