import type { ToolContext } from "../tools/tool.js";

/** The context with a progress reporter that counts its steps: MCP wants the value to grow. */
export function withStepProgress(ctx: ToolContext): ToolContext {
  let step = 0;
  return { ...ctx, progress: (message) => ctx.progress(message, ++step) };
}
