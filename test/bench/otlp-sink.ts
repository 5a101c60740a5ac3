import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Accepts OTLP/HTTP exports and throws them away, counting the POSTs, so the
 * telemetry figure shows that spans and metrics really left the server.
 */
export class OtlpSink {
  readonly received = { traces: 0, metrics: 0, other: 0 };
  readonly #server: Server = createServer((request, response) => {
    request.resume();
    request.once("end", () => {
      if (request.url === "/v1/traces") this.received.traces++;
      else if (request.url === "/v1/metrics") this.received.metrics++;
      else this.received.other++;
      response.writeHead(200).end();
    });
  });

  /** Answers the endpoint for OTEL_EXPORTER_OTLP_ENDPOINT. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
