import {
  type Attributes,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  context,
  metrics,
  trace,
} from "@opentelemetry/api";

/**
 * Spans and metrics after OpenTelemetry's MCP and HTTP-client semantic
 * conventions. Only @opentelemetry/api is used here: without an SDK registered
 * by the runtime adapter every call is a no-op.
 */
const SCOPE = "mcp-podman";
const tracer = () => trace.getTracer(SCOPE);
const meter = () => metrics.getMeter(SCOPE);

let instruments: ReturnType<typeof createInstruments> | undefined;
const instrumentsOf = () => (instruments ??= createInstruments());

function createInstruments() {
  const m = meter();
  return {
    operationDuration: m.createHistogram("mcp.server.operation.duration", {
      description: "Duration of MCP requests as observed by the server",
      unit: "s",
    }),
    podmanDuration: m.createHistogram("http.client.request.duration", {
      description: "Duration of Podman API requests",
      unit: "s",
    }),
    activeSessions: m.createUpDownCounter("mcp.server.session.active", {
      description: "MCP sessions currently open",
      unit: "{session}",
    }),
    toolErrors: m.createCounter("mcp_podman.tool.errors", {
      description: "Tool calls that ended in an error, by error type",
      unit: "{error}",
    }),
  };
}

/** W3C traceparent: version-traceid-spanid-flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The parent context from a `traceparent` value, or the active context when there is none. */
export function contextFromTraceparent(traceparent: unknown): Context {
  const match = typeof traceparent === "string" ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!match || /^0+$/.test(match[1] as string) || /^0+$/.test(match[2] as string)) {
    return context.active();
  }
  return trace.setSpanContext(context.active(), {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: parseInt(match[3] as string, 16),
    isRemote: true,
  });
}

export interface ToolCallTelemetry {
  tool: string;
  sessionId?: string;
  requestId: string | number;
  transport: "pipe" | "tcp";
  parent: Context;
}

/** Runs a tool call inside its span; `outcome` reports the error type, if any. */
export async function traceToolCall<T>(
  call: ToolCallTelemetry,
  run: (span: Span) => Promise<{ result: T; errorType?: string }>,
): Promise<T> {
  const attributes: Attributes = {
    "mcp.method.name": "tools/call",
    "gen_ai.tool.name": call.tool,
    "gen_ai.operation.name": "execute_tool",
    "jsonrpc.request.id": String(call.requestId),
    "network.transport": call.transport,
  };
  if (call.sessionId) attributes["mcp.session.id"] = call.sessionId;
  const started = performance.now();
  return tracer().startActiveSpan(
    `tools/call ${call.tool}`,
    { kind: SpanKind.SERVER, attributes },
    call.parent,
    async (span) => {
      let errorType: string | undefined = "_OTHER";
      try {
        const outcome = await run(span);
        errorType = outcome.errorType;
        return outcome.result;
      } finally {
        if (errorType) {
          span.setAttribute("error.type", errorType);
          span.setStatus({ code: SpanStatusCode.ERROR });
          instrumentsOf().toolErrors.add(1, {
            "gen_ai.tool.name": call.tool,
            "error.type": errorType,
          });
        }
        span.end();
        instrumentsOf().operationDuration.record((performance.now() - started) / 1000, {
          "mcp.method.name": "tools/call",
          "gen_ai.tool.name": call.tool,
          ...(errorType ? { "error.type": errorType } : {}),
        });
      }
    },
  );
}

/** A child span for one Podman API request, named "{method} {path template}". */
export async function tracePodmanRequest<Answer extends { status: number }>(
  method: string,
  path: string,
  socket: string,
  send: () => Promise<Answer>,
): Promise<Answer> {
  const template = pathTemplate(path);
  const attributes: Attributes = {
    "http.request.method": method,
    "url.template": template,
    "server.address": socket,
    "network.transport": "unix",
  };
  const started = performance.now();
  return tracer().startActiveSpan(
    `${method} ${template}`,
    { kind: SpanKind.CLIENT, attributes },
    async (span) => {
      let status: number | undefined;
      let errorType: string | undefined;
      try {
        const response = await send();
        status = response.status;
        span.setAttribute("http.response.status_code", status);
        if (status >= 400) errorType = String(status);
        return response;
      } catch (error) {
        errorType = error instanceof Error ? error.name : "_OTHER";
        throw error;
      } finally {
        if (errorType) {
          span.setAttribute("error.type", errorType);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
        instrumentsOf().podmanDuration.record((performance.now() - started) / 1000, {
          ...attributes,
          ...(status ? { "http.response.status_code": status } : {}),
          ...(errorType ? { "error.type": errorType } : {}),
        });
      }
    },
  );
}

export function sessionOpened() {
  instrumentsOf().activeSessions.add(1);
}

export function sessionClosed() {
  instrumentsOf().activeSessions.add(-1);
}

/** Segments that are verbs or collections in libpod paths; any other segment after a collection is a name. */
const FIXED_SEGMENTS = new Set([
  "json",
  "create",
  "prune",
  "pull",
  "push",
  "load",
  "build",
  "stats",
  "exists",
  "start",
  "stop",
  "restart",
  "kill",
  "wait",
  "logs",
  "exec",
  "resize",
  "top",
  "healthcheck",
  "tag",
  "untag",
  "remove",
  "kube",
  "play",
  "generate",
  "info",
  "version",
  "events",
  "df",
  "system",
  "_ping",
  "containers",
  "pods",
  "images",
  "volumes",
  "networks",
  "secrets",
  "connect",
  "disconnect",
  "search",
  "archive",
]);

/** "/containers/web/json" → "/containers/{name}/json", keeping cardinality low. */
export function pathTemplate(path: string): string {
  const [pathname] = path.split("?");
  return (pathname as string)
    .split("/")
    .map((segment, index) => (index === 0 || FIXED_SEGMENTS.has(segment) ? segment : "{name}"))
    .join("/");
}
