import type * as z from "zod";
import type { CallContext } from "../call-context.js";
import type { AuditedChanges } from "../observability/audit.js";
import type { OwnedKind } from "../policy/ownership.js";

/** What a handler gets; see CallContext. */
export type ToolContext = CallContext;

/** MCP tool annotations; every tool states all four. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** The families --tools and --deny-tools know; each is one folder of src/core/tools. */
export const TOOL_FAMILIES = [
  "containers",
  "pods",
  "images",
  "compose",
  "kube",
  "volumes",
  "networks",
  "secrets",
  "system",
] as const;
export type ToolFamily = (typeof TOOL_FAMILIES)[number];

/**
 * The existing object a call acts on, named by one of its arguments. Before
 * the handler of a tool that changes things runs, the server checks that this
 * caller may change that object (policy/ownership.ts). Reading stays open to
 * every object, as podman_logs and podman_inspect always were.
 */
export interface OwnedObject<Input extends z.ZodObject> {
  kind: OwnedKind;
  arg: keyof z.output<Input> & string;
  /** Read-only tools are checked too when this says so (a call that holds Podman busy for long). */
  checkedWhenReading?: true | ((args: z.output<Input>) => boolean);
}

export interface Tool<Input extends z.ZodObject, Output extends z.ZodObject> {
  name: string;
  family: ToolFamily;
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
  /** The existing object the call acts on; see OwnedObject. */
  owns?: OwnedObject<Input>;
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
