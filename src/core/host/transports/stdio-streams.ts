import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  deserializeMessage,
  serializeMessage,
} from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

const NEWLINE = 0x0a;

/**
 * MCP's stdio framing (one JSON-RPC message per line) over Web streams: what
 * the SDK's StdioServerTransport does over Node's process.stdin and stdout,
 * for a runtime whose stdio are a ReadableStream and a synchronous writer.
 * It behaves as the SDK's does: a line that does not parse is reported to
 * onerror and the next one is read; more than `maxBufferSize` bytes without
 * a newline is reported and closes the transport.
 */
export class StdioStreamsTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;

  readonly #stdin: ReadableStream<Uint8Array>;
  readonly #writeStdout: (bytes: Uint8Array) => void;
  readonly #maxBufferSize: number;
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Bytes read after the last newline. */
  #pending: Uint8Array | undefined;

  constructor(
    stdin: ReadableStream<Uint8Array>,
    writeStdout: (bytes: Uint8Array) => void,
    maxBufferSize = STDIO_DEFAULT_MAX_BUFFER_SIZE,
  ) {
    this.#stdin = stdin;
    this.#writeStdout = writeStdout;
    this.#maxBufferSize = maxBufferSize;
  }

  async start(): Promise<void> {
    if (this.#reader) throw new Error("StdioStreamsTransport already started");
    this.#reader = this.#stdin.getReader();
    void this.#readUntilEnd(this.#reader);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.#writeStdout(this.#encoder.encode(serializeMessage(message)));
  }

  async close(): Promise<void> {
    const reader = this.#reader;
    this.#reader = undefined;
    this.#pending = undefined;
    await reader?.cancel().catch(() => undefined);
    this.onclose?.();
  }

  async #readUntilEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || reader !== this.#reader) return;
        if (!this.#append(value)) return;
        this.#deliverLines();
      }
    } catch (error) {
      if (reader === this.#reader) this.onerror?.(asError(error));
    }
  }

  /** False when the bytes would overflow the buffer: reported, and the transport closed. */
  #append(chunk: Uint8Array): boolean {
    const pending = this.#pending;
    const size = (pending?.length ?? 0) + chunk.length;
    if (size > this.#maxBufferSize) {
      this.#pending = undefined;
      this.onerror?.(new Error(`ReadBuffer exceeded maximum size of ${this.#maxBufferSize} bytes`));
      void this.close();
      return false;
    }
    if (!pending) {
      this.#pending = chunk;
    } else {
      const joined = new Uint8Array(size);
      joined.set(pending);
      joined.set(chunk, pending.length);
      this.#pending = joined;
    }
    return true;
  }

  #deliverLines(): void {
    for (;;) {
      const pending = this.#pending;
      const end = pending?.indexOf(NEWLINE) ?? -1;
      if (!pending || end === -1) return;
      const line = this.#decoder.decode(pending.subarray(0, end)).replace(/\r$/, "");
      this.#pending = end + 1 < pending.length ? pending.subarray(end + 1) : undefined;
      try {
        this.onmessage?.(deserializeMessage(line));
      } catch (error) {
        this.onerror?.(asError(error));
      }
    }
  }
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
