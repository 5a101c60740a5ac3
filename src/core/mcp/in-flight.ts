import type {
  Transport,
  TransportSendOptions,
} from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";

/**
 * Counts requests that have come in and not yet been answered, across every
 * session, so a shutdown can wait until each answer has been written.
 */
export class InFlightCalls {
  #running = 0;
  #waiters: (() => void)[] = [];
  #handlers = 0;
  #handlerWaiters: (() => void)[] = [];

  /**
   * Runs a tool handler, counted until it returns. Unlike the request count,
   * this outlives the session: after a shutdown closed the sessions (which
   * aborts the handlers), the handlers' own cleanup, such as a compose
   * rollback, is waited for.
   */
  async handler<T>(work: () => Promise<T>): Promise<T> {
    this.#handlers++;
    try {
      return await work();
    } finally {
      if (--this.#handlers === 0) for (const wake of this.#handlerWaiters.splice(0)) wake();
    }
  }

  /** Resolves once no handler runs, or when the deadline passes. */
  settled(deadlineMs: number): Promise<boolean> {
    if (this.#handlers === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.#handlerWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get running() {
    return this.#running;
  }

  begin() {
    this.#running++;
  }

  end() {
    if (this.#running > 0 && --this.#running === 0) {
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /** Resolves once nothing is in flight, or when the deadline passes; answers whether it drained. */
  idle(deadlineMs: number): Promise<boolean> {
    if (this.#running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/**
 * A transport that counts each request from its arrival until its response
 * has been handed to the transport underneath (or the session ended).
 */
export class TrackedTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly #pending = new Set<string | number>();

  constructor(
    readonly inner: Transport,
    private readonly calls: InFlightCalls,
  ) {
    inner.onmessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) => {
      const id = requestId(message);
      if (id !== undefined && !this.#pending.has(id)) {
        this.#pending.add(id);
        calls.begin();
      }
      // A cancelled request gets no answer: it is done once the client cancels it.
      const cancelled = cancelledId(message);
      if (cancelled !== undefined && this.#pending.delete(cancelled)) calls.end();
      this.onmessage?.(message, extra);
    };
    // Keeps a handler set before wrapping (an HTTP session's bookkeeping).
    const closedBefore = inner.onclose;
    inner.onclose = () => {
      for (const _ of this.#pending) calls.end();
      this.#pending.clear();
      closedBefore?.();
      this.onclose?.();
    };
    inner.onerror = (error) => this.onerror?.(error);
  }

  get sessionId() {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string) {
    this.inner.setProtocolVersion?.(version);
  }

  start() {
    return this.inner.start();
  }

  close() {
    return this.inner.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions) {
    try {
      await this.inner.send(message, options);
    } finally {
      const id = answeredId(message);
      if (id !== undefined && this.#pending.delete(id)) this.calls.end();
    }
  }
}

function requestId(message: JSONRPCMessage): string | number | undefined {
  return "method" in message && "id" in message ? message.id : undefined;
}

function answeredId(message: JSONRPCMessage): string | number | undefined {
  return !("method" in message) && "id" in message ? (message.id ?? undefined) : undefined;
}

function cancelledId(message: JSONRPCMessage): string | number | undefined {
  if (!("method" in message) || message.method !== "notifications/cancelled") return undefined;
  const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}
