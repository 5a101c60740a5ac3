import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";

/** The WebSocket subprotocol MCP clients ask for (the SDK's WebSocketClientTransport sends it). */
export const MCP_SUBPROTOCOL = "mcp";

/** RFC 6455 §7.4.1 close codes. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
/** The server is at a limit; a later attempt may succeed. */
export const CLOSE_TRY_AGAIN_LATER = 1013;
const CLOSE_UNSUPPORTED_DATA = 1003;
const OPEN = 1;

/** The part of an accepted WebSocket this transport uses; Hono's WSContext fits it on every runtime. */
export interface MessageSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

/** The subprotocols a client offers in Sec-WebSocket-Protocol. */
export function offeredSubprotocols(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((protocol) => protocol.trim())
    .filter(Boolean);
}

/**
 * One MCP session over one WebSocket: every text frame carries exactly one
 * JSON-RPC message, both ways. The runtime adapter owns the socket and feeds
 * `receive` and `socketClosed` from its events.
 */
export class WebSocketServerTransport implements Transport {
  readonly sessionId = crypto.randomUUID();
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;

  readonly #socket: MessageSocket;
  readonly #ended: () => void;
  #started = false;
  #closed = false;
  /** Messages that arrived before the server connected; handed over in start(). */
  #early: JSONRPCMessage[] = [];

  /** `ended` runs once when the session ends; unlike onclose, no wrapper can replace it. */
  constructor(socket: MessageSocket, ended: () => void = () => {}) {
    this.#socket = socket;
    this.#ended = ended;
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error("WebSocketServerTransport already started");
    this.#started = true;
    const early = this.#early;
    this.#early = [];
    for (const message of early) this.onmessage?.(message);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed || this.#socket.readyState !== OPEN) {
      throw new Error("the WebSocket is closed");
    }
    this.#socket.send(JSON.stringify(message));
  }

  async close(code = CLOSE_NORMAL): Promise<void> {
    if (this.#socket.readyState <= OPEN) this.#socket.close(code);
    this.socketClosed();
  }

  /** One frame from the client: text holding one JSON-RPC message. */
  receive(data: unknown): void {
    if (this.#closed) return;
    if (typeof data !== "string") {
      this.#socket.close(CLOSE_UNSUPPORTED_DATA, "MCP messages are JSON text frames");
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.#reject(null, -32700, "Parse error: the message is not valid JSON");
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.#reject(
        requestIdOf(json),
        -32600,
        "Invalid Request: each frame must hold one JSON-RPC 2.0 message",
      );
      return;
    }
    if (this.#started) this.onmessage?.(parsed.data);
    else this.#early.push(parsed.data);
  }

  /** The socket is gone, whoever closed it: the session ends once. */
  socketClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ended();
    this.onclose?.();
  }

  #reject(id: RequestId | null, code: number, message: string) {
    if (this.#socket.readyState !== OPEN) return;
    this.#socket.send(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }));
  }
}

function requestIdOf(json: unknown): RequestId | null {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}
