import type { CallContext } from "../call-context.js";

/** The context with a progress reporter that counts its steps: MCP wants the value to grow. */
export function withStepProgress(ctx: CallContext): CallContext {
  let step = 0;
  return { ...ctx, progress: (message) => ctx.progress(message, ++step) };
}
