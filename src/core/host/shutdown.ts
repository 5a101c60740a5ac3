import type { InFlightCalls } from "../mcp/in-flight.js";
import type { Logger } from "../observability/log.js";
import type { HostAdapter, HostTelemetry, ShutdownSignal } from "./adapter.js";

/** After the deadline, cancelled calls get this long to clean up (a compose rollback). */
export const CLEANUP_GRACE_MS = 15_000;

export interface ShutdownParts {
  adapter: HostAdapter;
  logger: Logger;
  calls: InFlightCalls;
  telemetry: HostTelemetry | undefined;
}

/**
 * The one shutdown sequence: on the first signal, `stop` drains the
 * transport (running calls get --shutdown-timeout), cancelled calls get the
 * cleanup grace, telemetry is flushed, and the process exits 0.
 */
export function shutdownOnSignal(
  { adapter, logger, calls, telemetry }: ShutdownParts,
  stop: () => Promise<void>,
): (signal: ShutdownSignal) => void {
  let stopping = false;
  const onSignal = (signal: ShutdownSignal) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, running_calls: calls.running });
    void stop()
      .then(() => calls.settled(CLEANUP_GRACE_MS))
      .then(async (settled) => {
        if (!settled) logger.warning("calls still running after the shutdown grace period");
        await telemetry?.shutdown?.().catch(() => undefined);
        adapter.exit(0);
      });
  };
  adapter.onShutdownSignal(onSignal);
  return onSignal;
}
