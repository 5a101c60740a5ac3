import { setTimeout as sleep } from "node:timers/promises";
import type { TelemetryFigure } from "./figures.js";
import { type Launch, serverEnvironment } from "./launch.js";
import { type Plan, interleave, timed } from "./measure.js";
import { callToolOk, openStdioSession } from "./mcp-clients.js";
import { OtlpSink } from "./otlp-sink.js";

/**
 * Two fresh stdio servers, one exporting traces and metrics over OTLP/HTTP to
 * a local sink and one with telemetry off, answering podman_ps in turns.
 */
export async function measureTelemetryCost(launch: Launch, plan: Plan): Promise<TelemetryFigure> {
  const sink = new OtlpSink();
  const endpoint = await sink.start();
  const off = await openStdioSession(launch, serverEnvironment());
  const on = await openStdioSession(
    launch,
    serverEnvironment({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // Export during the run, not only at exit: spans every 200 ms, metrics every second.
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_METRIC_EXPORT_INTERVAL: "1000",
    }),
  );
  try {
    const stats = await interleave(
      {
        off: timed(() => callToolOk(off.client, "podman_ps", {})),
        on: timed(() => callToolOk(on.client, "podman_ps", {})),
      },
      plan,
    );
    await sleep(1500);
    return { ...stats, exports: { traces: sink.received.traces, metrics: sink.received.metrics } };
  } finally {
    await Promise.all([off.close(), on.close()]);
    await sink.stop();
  }
}
