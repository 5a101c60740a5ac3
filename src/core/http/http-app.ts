import type { Sha256 } from "../contracts.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { DEFAULT_MAX_REQUEST_BODY_SIZE } from "@modelcontextprotocol/sdk/server/requestBody.js";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { UpgradeWebSocket, WSEvents } from "hono/ws";
import { type Access, FULL_ACCESS } from "../mcp/access.js";
import { BearerTokens } from "./auth.js";
import { limitBody } from "./body-limit.js";
import { isLoopback, type Config } from "../config/config.js";
import type { PodmanClient } from "../podman/client.js";
import { ping } from "../podman/system.js";
import { type SessionSlot, SessionSlots, isRefusal } from "./session-slots.js";
import { sessionClosed, sessionOpened } from "../observability/telemetry.js";
import {
  CLOSE_GOING_AWAY,
  CLOSE_TRY_AGAIN_LATER,
  MCP_SUBPROTOCOL,
  WebSocketServerTransport,
  offeredSubprotocols,
} from "./websocket.js";
import { TICKET_TTL_SECONDS, WebSocketTickets } from "./websocket-tickets.js";

const READY_TIMEOUT_MS = 3000;

export interface HttpAppDependencies {
  config: Config;
  podman: PodmanClient;
  /** A fresh MCP server for a new session, serving the tools its access allows. */
  createServer(access: Access): Server;
  /** Connects a session's server to its transport, counting its requests for shutdown. */
  connect: (server: Server, transport: Transport) => Promise<void>;
  /** Prometheus text of the current metrics, from the runtime's telemetry SDK. */
  metricsText?: () => Promise<string>;
  sha256?: Sha256;
}

interface Session {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  /** When it last served a request, for idle expiry. */
  lastUsed: number;
  /** The token that opened it: a session answers no other. */
  tokenId: string | undefined;
}

type Env = { Variables: { access: Access } };

/**
 * The Hono app: Streamable HTTP MCP at /mcp (bearer-protected), /healthz,
 * /readyz, /metrics, and MCP over WebSocket at /ws (with /ws/ticket) once the
 * runtime adapter hands over its upgrade with serveWebSocket().
 */
export function createHttpApp({
  config,
  podman,
  createServer,
  connect,
  metricsText,
  sha256,
}: HttpAppDependencies) {
  const app = new Hono<Env>();
  const sessions = new Map<string, Session>();
  const webSocketSessions = new Set<WebSocketServerTransport>();
  const tokens = new BearerTokens(config.tokens, sha256);
  const loopbackOnly = config.listen !== undefined && isLoopback(config.listen.host);
  let draining = false;

  const refuseWhileDraining: MiddlewareHandler = async (c, next) => {
    if (!draining) return next();
    c.header("Connection", "close");
    return jsonRpcError(c, 503, -32000, "Service unavailable: the server is shutting down");
  };
  app.use("/mcp", refuseWhileDraining);
  const refuseOversized = (c: Context<Env>) => {
    // The unread rest of the body would otherwise be read as the next request.
    c.header("Connection", "close");
    return jsonRpcError(
      c,
      413,
      -32000,
      `Payload Too Large: the body exceeds ${config.limits.maxBodyBytes} bytes (--max-body-bytes)`,
    );
  };
  const bodyWithinLimit = limitBody(config.limits.maxBodyBytes, refuseOversized);
  app.use("/mcp", bodyWithinLimit);

  const slots = new SessionSlots(config.limits);
  const idle = new IdleSessions(config.limits.sessionIdleMs, () => {
    const now = Date.now();
    for (const session of sessions.values()) {
      if (now - session.lastUsed >= config.limits.sessionIdleMs) void session.server.close();
    }
    for (const [transport, lastUsed] of webSocketActivity) {
      if (now - lastUsed >= config.limits.sessionIdleMs) void transport.close(CLOSE_GOING_AWAY);
    }
  });
  const webSocketActivity = new Map<WebSocketServerTransport, number>();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    try {
      await ping(podman, READY_TIMEOUT_MS);
      return c.json({ status: "ready", socket: podman.socket });
    } catch (error) {
      return c.json({ status: "unavailable", reason: (error as Error).message }, 503);
    }
  });

  const guard =
    (identify: (c: Context<Env>) => Promise<Access | undefined>): MiddlewareHandler<Env> =>
    async (c, next) => {
      if (loopbackOnly && !fromLoopbackSite(c.req.header("host"), c.req.header("origin"))) {
        return jsonRpcError(c, 403, -32000, "Forbidden: Host or Origin is not a loopback address");
      }
      const access = config.noAuth ? FULL_ACCESS : await identify(c);
      if (!access) {
        c.header("WWW-Authenticate", 'Bearer realm="mcp-podman"');
        return jsonRpcError(c, 401, -32001, "Unauthorized: a valid bearer token is required");
      }
      c.set("access", access);
      return next();
    };
  const requireToken = guard((c) => tokens.identify(c.req.header("authorization")));
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
      // Another token's session is answered as unknown: ids must not be worth guessing.
      if (!session || session.tokenId !== c.get("access").tokenId) {
        return jsonRpcError(c, 404, -32001, "Session not found: initialize a new one");
      }
      session.lastUsed = Date.now();
      if (c.req.method !== "POST") return session.transport.handleRequest(c.req.raw);
      const { request, parsedBody } = await readJsonBody(c.req.raw);
      return session.transport.handleRequest(request, { parsedBody });
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
    const access = c.get("access");
    const slot = slots.take(access.tokenId);
    if (isRefusal(slot)) return jsonRpcError(c, slot.status, -32000, slot.message);
    const session = openSession(createServer(access), access.tokenId, sessions, slot);
    idle.watch();
    try {
      await connect(session.server, session.transport);
      return await session.transport.handleRequest(c.req.raw, { parsedBody: body });
    } finally {
      // An initialize the transport rejected opened no session: its slot is free again.
      if (session.transport.sessionId === undefined) {
        slot.release();
        void session.server.close();
      }
    }
  });

  return {
    app,
    /**
     * Serves MCP over WebSocket at /ws through the runtime's upgrade; call it
     * before serving. Without it /ws is a 404 like any unknown path.
     */
    serveWebSocket(upgradeWebSocket: UpgradeWebSocket) {
      const tickets = new WebSocketTickets();
      app.use("/ws", refuseWhileDraining);
      app.use("/ws/ticket", refuseWhileDraining);
      app.use("/ws/ticket", bodyWithinLimit);
      app.post("/ws/ticket", requireToken, (c) =>
        c.json({ ticket: tickets.issue(c.get("access")), expires_in: TICKET_TTL_SECONDS }, 200, {
          "Cache-Control": "no-store",
        }),
      );
      // The WHATWG WebSocket, and so the SDK's WebSocketClientTransport, cannot
      // set headers: such a client brings a one-time ?ticket= instead.
      app.use(
        "/ws",
        guard(async (c) => {
          const authorization = c.req.header("authorization");
          if (authorization !== undefined) return tokens.identify(authorization);
          return tickets.redeem(c.req.query("ticket"));
        }),
      );
      app.get("/ws", (c) => {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
          c.header("Upgrade", "websocket");
          return jsonRpcError(c, 426, -32000, "Upgrade Required: /ws speaks MCP over WebSocket");
        }
        const offered = offeredSubprotocols(c.req.header("sec-websocket-protocol"));
        if (offered.length > 0 && !offered.includes(MCP_SUBPROTOCOL)) {
          return jsonRpcError(
            c,
            400,
            -32000,
            `Bad Request: the subprotocol must be "${MCP_SUBPROTOCOL}"`,
          );
        }
        const access = c.get("access");
        const refusal = slots.refusal(access.tokenId);
        if (refusal) return jsonRpcError(c, refusal.status, -32000, refusal.message);
        const open = (transport: WebSocketServerTransport) => {
          webSocketActivity.set(transport, Date.now());
          idle.watch();
          return connect(createServer(access), transport);
        };
        const touched = (transport: WebSocketServerTransport) => {
          if (webSocketActivity.has(transport)) webSocketActivity.set(transport, Date.now());
        };
        const ended = (transport: WebSocketServerTransport) => webSocketActivity.delete(transport);
        // Checked again once open: upgrades in flight together must not overshoot the limits.
        const take = () => slots.take(access.tokenId);
        return upgradeWebSocket(
          c,
          webSocketSession(open, take, webSocketSessions, { touched, ended }),
        );
      });
    },
    /** From now on /mcp and /ws answer 503; calls already running go on. */
    drain() {
      draining = true;
    },
    async closeSessions() {
      idle.stop();
      await Promise.all([...sessions.values()].map((session) => session.server.close()));
      sessions.clear();
      await Promise.all(
        [...webSocketSessions].map((transport) => transport.close(CLOSE_GOING_AWAY)),
      );
    },
  };
}

/** One WebSocket connection is one MCP session, from open to close. */
function webSocketSession(
  open: (transport: WebSocketServerTransport) => Promise<void>,
  take: () => ReturnType<SessionSlots["take"]>,
  sessions: Set<WebSocketServerTransport>,
  activity: {
    touched(transport: WebSocketServerTransport): void;
    ended(transport: WebSocketServerTransport): void;
  },
): WSEvents {
  let transport: WebSocketServerTransport | undefined;
  return {
    onOpen(_event, socket) {
      const slot = take();
      if (isRefusal(slot)) {
        socket.close(CLOSE_TRY_AGAIN_LATER, closeReason(slot.message));
        return;
      }
      const opened = new WebSocketServerTransport(socket, () => {
        slot.release();
        activity.ended(opened);
        if (sessions.delete(opened)) sessionClosed();
      });
      transport = opened;
      sessions.add(opened);
      sessionOpened();
      void open(opened).catch(() => opened.close());
    },
    onMessage(event) {
      if (transport) activity.touched(transport);
      transport?.receive(event.data);
    },
    onClose() {
      transport?.socketClosed();
    },
  };
}

function openSession(
  server: Server,
  tokenId: string | undefined,
  sessions: Map<string, Session>,
  slot: SessionSlot,
): Session {
  const forget = (id: string | undefined) => {
    slot.release();
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
  const session: Session = { server, transport, tokenId, lastUsed: Date.now() };
  transport.onclose = () => forget(transport.sessionId);
  return session;
}

/**
 * The body of a POST, read whole and parsed here rather than by the SDK's
 * transport, which reads it through a stream: on Node that stream costs a
 * second, full Request per call. A body the transport must refuse (not JSON,
 * or over its own size limit) goes to it as it came, so it answers exactly as
 * it would have.
 */
async function readJsonBody(raw: Request): Promise<{ request: Request; parsedBody?: unknown }> {
  let bytes: ArrayBuffer;
  try {
    bytes = await raw.arrayBuffer();
  } catch {
    return { request: withBody(raw, null) };
  }
  if (bytes.byteLength <= DEFAULT_MAX_REQUEST_BODY_SIZE) {
    try {
      return { request: raw, parsedBody: JSON.parse(new TextDecoder().decode(bytes)) };
    } catch {
      // Not JSON: the transport says so in its own words.
    }
  }
  return { request: withBody(raw, bytes) };
}

function withBody(raw: Request, body: ArrayBuffer | null): Request {
  return new Request(raw.url, { method: raw.method, headers: raw.headers, body });
}

/** RFC 6455 allows 123 bytes of close reason; the messages here are ASCII. */
function closeReason(message: string): string {
  return message.length <= 123 ? message : `${message.slice(0, 120)}...`;
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

/**
 * Closes sessions nobody used for a while, so memory stays bounded when
 * clients vanish without closing. The sweep runs only while sessions exist.
 */
class IdleSessions {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly sweep: () => void,
  ) {}

  watch() {
    this.#timer ??= setInterval(this.sweep, Math.max(1000, Math.min(this.idleMs / 2, 60_000)));
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function jsonRpcError(
  c: Context,
  status: 400 | 401 | 403 | 404 | 413 | 426 | 429 | 503,
  code: number,
  message: string,
) {
  return c.json({ jsonrpc: "2.0", error: { code, message }, id: null }, status);
}
