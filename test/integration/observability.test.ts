import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, connectHttp, runBundle, runtime, startHttpServer } from "./harness.js";

const TOKEN = "observability-token";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID = "00f067aa0ba902b7";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** A real OTLP/HTTP (JSON) receiver: it keeps every span and metric name it is sent. */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly metricNames = new Set<string>();
  readonly metricAttributes: Record<string, unknown>[] = [];
  #server: Server = createServer((request, response) => {
    void readJson(request).then((body) => {
      if (request.url === "/v1/traces") this.#takeSpans(body);
      if (request.url === "/v1/metrics") this.#takeMetrics(body);
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop() {
    return new Promise((resolve) => this.#server.close(resolve));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- OTLP JSON shapes
  #takeSpans(body: any) {
    for (const resource of body.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? []) this.spans.push(...scope.spans);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- OTLP JSON shapes
  #takeMetrics(body: any) {
    for (const resource of body.resourceMetrics ?? [])
      for (const scope of resource.scopeMetrics ?? [])
        for (const metric of scope.metrics ?? []) {
          this.metricNames.add(metric.name);
          for (const point of metric.histogram?.dataPoints ?? metric.sum?.dataPoints ?? [])
            this.metricAttributes.push({ metric: metric.name, ...flatten(point.attributes) });
        }
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

function flatten(attributes: { key: string; value: Record<string, unknown> }[] = []) {
  return Object.fromEntries(attributes.map((a) => [a.key, Object.values(a.value)[0]]));
}

/** Checks the Prometheus text exposition format line by line. */
function checkPrometheusText(text: string): string[] {
  const problems: string[] = [];
  const sample =
    /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( -?\d+)?$/;
  for (const line of text.split("\n")) {
    if (line === "" || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    // Any other "#" line is a comment to Prometheus (the SDK writes "# UNIT").
    if (/^# (?!HELP |TYPE )/.test(line)) continue;
    if (!sample.test(line)) problems.push(line);
  }
  return problems;
}

describe("observability", () => {
  const receiver = new OtlpReceiver();
  let server: RunningServer;

  beforeAll(async () => {
    const endpoint = await receiver.start();
    server = await startHttpServer([], {
      MCP_PODMAN_TOKEN: TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_METRIC_EXPORT_INTERVAL: "500",
      // Deno exports through its built-in OpenTelemetry, which it turns on with OTEL_DENO.
      ...(runtime === "deno"
        ? { OTEL_DENO: "true", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }
        : {}),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await receiver.stop();
  });

  it("exports a span per tool call, parented by the caller's trace, with Podman request children", async () => {
    const client = await connectHttp(server.url, TOKEN);
    await client.callTool({
      name: "podman_ps",
      arguments: { all: true },
      _meta: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
    });
    const failed = await client.callTool({
      name: "podman_inspect",
      arguments: { name: "no-such-container-xyz" },
    });
    expect(failed.isError).toBe(true);
    await client.close();

    await expect
      .poll(() => receiver.spans.filter((s) => s.name.startsWith("tools/call")).length, {
        timeout: 10_000,
      })
      .toBe(2);
    const ps = receiver.spans.find((s) => s.name === "tools/call podman_ps")!;
    expect(ps.traceId).toBe(TRACE_ID);
    expect(ps.parentSpanId).toBe(PARENT_SPAN_ID);
    expect(flatten(ps.attributes)).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "podman_ps",
      "network.transport": "tcp",
    });
    expect(flatten(ps.attributes)["mcp.session.id"]).toEqual(expect.any(String));
    const child = receiver.spans.find((s) => s.parentSpanId === ps.spanId)!;
    expect(child.name).toBe("GET /containers/json");
    expect(flatten(child.attributes)).toMatchObject({
      "http.request.method": "GET",
      "http.response.status_code": 200,
    });

    const inspect = receiver.spans.find((s) => s.name === "tools/call podman_inspect")!;
    expect(inspect.status?.code).toBe(2);
    expect(flatten(inspect.attributes)["error.type"]).toBe("not_found");
    const inspectChild = receiver.spans.find((s) => s.parentSpanId === inspect.spanId)!;
    expect(inspectChild.name).toBe("GET /containers/{name}/json");
    expect(flatten(inspectChild.attributes)["http.response.status_code"]).toBe(404);
  });

  it("exports metrics: operation duration by tool and outcome, Podman request duration", async () => {
    const client = await connectHttp(server.url, TOKEN);
    await client.callTool({ name: "podman_ps", arguments: {} });
    await client.close();
    await expect
      .poll(() => receiver.metricNames.has("mcp.server.operation.duration"), { timeout: 10_000 })
      .toBe(true);
    expect(receiver.metricNames.has("http.client.request.duration")).toBe(true);
    expect(receiver.metricAttributes).toContainEqual(
      expect.objectContaining({
        metric: "mcp.server.operation.duration",
        "gen_ai.tool.name": "podman_ps",
      }),
    );
  });

  it("serves /metrics in the Prometheus text format, behind the token", async () => {
    const plain = await startHttpServer([], { MCP_PODMAN_TOKEN: TOKEN });
    try {
      const client = await connectHttp(plain.url, TOKEN);
      await client.callTool({ name: "podman_ps", arguments: {} });
      await client.close();
      const unauthorized = await fetch(new URL("/metrics", plain.url));
      expect(unauthorized.status).toBe(401);
      const scraped = await fetch(new URL("/metrics", plain.url), {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(scraped.status).toBe(200);
      const text = await scraped.text();
      expect(text).toContain("mcp_server_operation_duration");
      expect(text).toMatch(/gen_ai_tool_name="podman_ps"/);
      expect(checkPrometheusText(text)).toEqual([]);
    } finally {
      await plain.stop();
    }
  });

  it("serves /metrics without a token with --metrics-public, and nothing else", async () => {
    const open = await startHttpServer(["--metrics-public"], { MCP_PODMAN_TOKEN: TOKEN });
    try {
      expect((await fetch(new URL("/metrics", open.url))).status).toBe(200);
      expect((await fetch(open.url, { method: "POST" })).status).toBe(401);
    } finally {
      await open.stop();
    }
  });

  it("answers /readyz 200 while Podman answers, 503 with the reason when it does not", async () => {
    const ready = await fetch(new URL("/readyz", server.url));
    expect(ready.status).toBe(200);
    const missing = await startHttpServer([
      "--socket",
      "unix:///nonexistent/podman.sock",
      "--no-auth",
    ]);
    try {
      const notReady = await fetch(new URL("/readyz", missing.url));
      expect(notReady.status).toBe(503);
      expect((await notReady.json()).reason).toContain(
        "Podman unreachable at /nonexistent/podman.sock",
      );
    } finally {
      await missing.stop();
    }
  });

  it("validates --log-level", async () => {
    const { code, stderr } = await runBundle(["--stdio", "--log-level", "loud"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--log-level/);
  });
});

describe("logs", () => {
  it("writes JSON lines to stderr at --log-level and forwards a session's records to its client", async () => {
    const server = await startHttpServer(["--no-auth", "--log-level", "debug"]);
    try {
      const client = await connectHttp(server.url);
      const received: { level: string; data: unknown }[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
        received.push(notification.params);
      });
      await client.setLoggingLevel("debug");
      await client.callTool({ name: "podman_ps", arguments: {} });
      await expect.poll(() => received.length).toBeGreaterThan(0);
      expect(received[0]).toMatchObject({
        level: "debug",
        data: { message: "tool call", tool: "podman_ps", outcome: "ok" },
      });
      await client.close();

      await expect
        .poll(() => server.stderr.some((line) => line.includes('"message":"tool call"')))
        .toBe(true);
      for (const line of server.stderr) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      await server.stop();
    }
  });

  it("leaves debug records out at the default level", async () => {
    const server = await startHttpServer(["--no-auth"]);
    try {
      const client = await connectHttp(server.url);
      await client.callTool({ name: "podman_ps", arguments: {} });
      await client.close();
      expect(server.stderr.some((line) => line.includes('"message":"tool call"'))).toBe(false);
      expect(server.stderr.some((line) => line.includes('"level":"info"'))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
