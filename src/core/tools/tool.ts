import type { z } from "zod";
import type { PodmanClient } from "../podman/client.js";

/** What a handler gets: the Podman client, the call's abort signal and a progress reporter. */
export interface ToolContext {
  podman: PodmanClient;
  signal: AbortSignal;
  progress(message: string, progress?: number, total?: number): Promise<void>;
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
  handle(ctx: ToolContext, args: z.output<Input>): Promise<z.input<Output>>;
  /** The compact text twin of the structured result. */
  render(result: z.output<Output>): string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list holds tools of every shape
export type AnyTool = Tool<any, any>;

/** One tool, declared in one place: schema, annotations, handler and rendering. */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodObject>(
  tool: Tool<Input, Output>,
): Tool<Input, Output> {
  return tool;
}
