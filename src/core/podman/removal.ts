/** Stopping the containers a forced removal takes with it waits up to their stop timeouts. */
export const FORCED_REMOVAL_MARGIN_MS = 60_000;

/** libpod removal reports carry Go errors: null, a string, or an object with a message. */
export function describeReportError(error: unknown): string {
  if (typeof error === "string") return error;
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" ? message : JSON.stringify(error);
}
