import { metrics } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { prometheusReader } from "../prometheus-metrics.js";

/** Registers a pull reader as the global meter provider; answers the Prometheus text for /metrics. */
export function startPullMetrics(): () => Promise<string> {
  const prometheus = prometheusReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [prometheus.reader] }));
  return prometheus.metricsText;
}
