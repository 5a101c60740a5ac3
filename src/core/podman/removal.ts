/** Stopping the containers a forced removal takes with it waits up to their stop timeouts. */
export const FORCED_REMOVAL_MARGIN_MS = 60_000;

/** libpod reports carry Go errors: null, a string, or an object with a message or a cause. */
export function describeReportError(error: unknown): string {
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null) {
    const { message, cause } = error as { message?: unknown; cause?: unknown };
    if (typeof message === "string" && message) return message;
    if (typeof cause === "string" && cause) return cause;
  }
  return JSON.stringify(error);
}
