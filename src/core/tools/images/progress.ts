import type { ToolContext } from "../tool.js";

export type ReportProgress = (message: string) => void;

/**
 * Runs `work`, sending each reported line as an MCP progress notification
 * (only when the client gave a progressToken) in order, with a growing count.
 * A failed notification fails the call once the work is done.
 */
export async function withProgress<T>(
  ctx: ToolContext,
  work: (report: ReportProgress) => Promise<T>,
): Promise<T> {
  let count = 0;
  let sent: Promise<void> = Promise.resolve();
  const report: ReportProgress = (message) => {
    count += 1;
    const progress = count;
    sent = sent.then(() => ctx.progress(message, progress));
    // Handled below; this keeps a failure from being an unhandled rejection meanwhile.
    sent.catch(() => undefined);
  };
  let result: T;
  try {
    result = await work(report);
  } catch (error) {
    // The work's own failure is what the caller needs; a notification failure would hide it.
    await sent.catch(() => undefined);
    throw error;
  }
  await sent;
  return result;
}
