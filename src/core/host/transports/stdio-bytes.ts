import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  deserializeMessage,
  serializeMessage,
} from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

const NEWLINE = 0x0a;

/** A runtime's stdin and stdout, as StdioBytesTransport uses them. */
export interface StdioBytes {
  /** The next bytes from stdin; null once it has ended. */
  read(): Promise<Uint8Array | null>;
  /** Stops reading stdin: a read still pending may end either way, and is ignored. */
  stopReading(): void;
  /** Writes all of the bytes to stdout before it returns. */
  write(bytes: Uint8Array): void;
}

/**
 * MCP's stdio framing, one JSON-RPC message per line, over a runtime's own
 * stdin and stdout: what the SDK's StdioServerTransport does over Node's
 * process.stdin and process.stdout, and it behaves alike. A line that does
 * not parse is reported to onerror and the next one is read; more than
 * `maxBufferSize` bytes without a newline is reported and closes the
 * transport; the end of stdin closes nothing.
 */
export class StdioBytesTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;

  readonly #stdio: StdioBytes;
  readonly #maxBufferSize: number;
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  #started = false;
  #reading = false;
  /** Bytes read after the last newline. */
  #pending: Uint8Array | undefined;

  constructor(stdio: StdioBytes, maxBufferSize = STDIO_DEFAULT_MAX_BUFFER_SIZE) {
    this.#stdio = stdio;
    this.#maxBufferSize = maxBufferSize;
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error("StdioBytesTransport already started");
    this.#started = this.#reading = true;
    void this.#readUntilEnd();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.#stdio.write(this.#encoder.encode(serializeMessage(message)));
  }

  async close(): Promise<void> {
    if (this.#reading) {
      this.#reading = false;
      this.#stdio.stopReading();
    }
    this.#pending = undefined;
    this.onclose?.();
  }

  async #readUntilEnd(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#stdio.read();
        if (chunk === null || !this.#reading) return;
        if (!this.#append(chunk)) return;
        this.#deliverLines();
      }
    } catch (error) {
      if (this.#reading) this.onerror?.(asError(error));
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
