import { metrics } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { prometheusReader } from "../prometheus-metrics.js";

export interface NodeTelemetry {
  /** The Prometheus text exposition of the current metrics. */
  metricsText(): Promise<string>;
  shutdown(): Promise<void>;
}

const otlpConfigured = (env: NodeJS.ProcessEnv, signal: "TRACES" | "METRICS") =>
  Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]) &&
  env.OTEL_SDK_DISABLED !== "true";

/**
 * Starts the OpenTelemetry SDK: OTLP/HTTP export when the standard
 * OTEL_EXPORTER_OTLP_* variables ask for it, and always a pull reader behind
 * /metrics. Without OTLP configured no tracer is registered, so spans stay no-op.
 */
export function startNodeTelemetry(version: string, env = process.env): NodeTelemetry {
  const resource = resourceFromAttributes({
    "service.name": env.OTEL_SERVICE_NAME ?? "mcp-podman",
    "service.version": version,
  });
  const prometheus = prometheusReader();
  const readers = [
    prometheus.reader,
    ...(otlpConfigured(env, "METRICS")
      ? [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter(),
            // The reader does not read the standard variable itself.
            exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000),
          }),
        ]
      : []),
  ];

  let shutdown: () => Promise<void>;
  if (otlpConfigured(env, "TRACES")) {
    const sdk = new NodeSDK({
      resource,
      traceExporter: new OTLPTraceExporter(),
      metricReaders: readers,
      instrumentations: [],
    });
    sdk.start();
    shutdown = () => sdk.shutdown();
  } else {
    const provider = new MeterProvider({ resource, readers });
    metrics.setGlobalMeterProvider(provider);
    shutdown = () => provider.shutdown();
  }

  return { metricsText: prometheus.metricsText, shutdown };
}
