import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { BearerTokens } from "./auth.js";
import { isLoopback, type Config } from "./config.js";
import type { PodmanClient } from "./podman/client.js";
import { sessionClosed, sessionOpened } from "./telemetry.js";

const READY_TIMEOUT_MS = 3000;

export interface HttpAppDependencies {
  config: Config;
  podman: PodmanClient;
  /** A fresh MCP server for a new session. */
  createServer(): Server;
  /** Prometheus text of the current metrics, from the runtime's telemetry SDK. */
  metricsText?: () => Promise<string>;
}

interface Session {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
}

/** The Hono app: Streamable HTTP MCP at /mcp (bearer-protected) and /healthz. */
export function createHttpApp({ config, podman, createServer, metricsText }: HttpAppDependencies) {
  const app = new Hono();
  const sessions = new Map<string, Session>();
  const tokens = new BearerTokens(config.tokens);
  const loopbackOnly = config.listen !== undefined && isLoopback(config.listen.host);
  let draining = false;

  app.use("/mcp", async (c, next) => {
    if (!draining) return next();
    c.header("Connection", "close");
    return jsonRpcError(c, 503, -32000, "Service unavailable: the server is shutting down");
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    try {
      const response = await podman.request("GET", "/_ping", { timeoutMs: READY_TIMEOUT_MS });
      await response.body?.cancel();
      return c.json({ status: "ready", socket: podman.socket });
    } catch (error) {
      return c.json({ status: "unavailable", reason: (error as Error).message }, 503);
    }
  });

  const requireToken: MiddlewareHandler = async (c, next) => {
    if (loopbackOnly && !fromLoopbackSite(c.req.header("host"), c.req.header("origin"))) {
      return jsonRpcError(c, 403, -32000, "Forbidden: Host or Origin is not a loopback address");
    }
    if (!config.noAuth && !(await tokens.accepts(c.req.header("authorization")))) {
      c.header("WWW-Authenticate", 'Bearer realm="mcp-podman"');
      return jsonRpcError(c, 401, -32001, "Unauthorized: a valid bearer token is required");
    }
    return next();
  };
  app.use("/mcp", requireToken);

  if (metricsText) {
    if (!config.metricsPublic) app.use("/metrics", requireToken);
    app.get("/metrics", async (c) =>
      c.text(await metricsText(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }),
    );
  }

  app.all("/mcp", async (c) => {
    const sessionId = c.req.header("mcp-session-id");
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session) return jsonRpcError(c, 404, -32001, "Session not found: initialize a new one");
      return session.transport.handleRequest(c.req.raw);
    }
    if (c.req.method !== "POST") {
      return jsonRpcError(c, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return jsonRpcError(c, 400, -32700, "Parse error: the body is not valid JSON");
    }
    const messages = Array.isArray(body) ? body : [body];
    if (!messages.some((message) => isInitializeRequest(message))) {
      return jsonRpcError(c, 400, -32000, "Bad Request: no session; send initialize first");
    }
    const session = openSession(createServer(), sessions);
    await session.server.connect(session.transport);
    return session.transport.handleRequest(c.req.raw, { parsedBody: body });
  });

  return {
    app,
    /** From now on /mcp answers 503; calls already running go on. */
    drain() {
      draining = true;
    },
    async closeSessions() {
      await Promise.all([...sessions.values()].map((session) => session.server.close()));
      sessions.clear();
    },
  };
}

function openSession(server: Server, sessions: Map<string, Session>): Session {
  const forget = (id: string | undefined) => {
    if (id && sessions.delete(id)) sessionClosed();
  };
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (id) => {
      sessions.set(id, session);
      sessionOpened();
    },
    onsessionclosed: forget,
  });
  const session: Session = { server, transport };
  transport.onclose = () => forget(transport.sessionId);
  return session;
}

/** DNS-rebinding guard: a page on another site must not reach a loopback server. */
function fromLoopbackSite(host: string | undefined, origin: string | undefined): boolean {
  if (!host || !isLoopback(hostnameOf(`http://${host}`) ?? "")) return false;
  if (origin === undefined) return true;
  const originHost = hostnameOf(origin);
  return originHost !== undefined && isLoopback(originHost);
}

function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  } catch {
    return undefined;
  }
}

function jsonRpcError(
  c: Context,
  status: 400 | 401 | 403 | 404 | 503,
  code: number,
  message: string,
) {
  return c.json({ jsonrpc: "2.0", error: { code, message }, id: null }, status);
}
