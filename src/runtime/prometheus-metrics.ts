import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";

/** A pull reader behind GET /metrics: collects on demand and renders the Prometheus text. */
export function prometheusReader() {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer();
  return {
    reader,
    async metricsText() {
      const { resourceMetrics } = await reader.collect();
      return serializer.serialize(resourceMetrics);
    },
  };
}
