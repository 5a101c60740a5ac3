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
  /** Writes all of the bytes to stdout; settles once they are written. */
  write(bytes: Uint8Array): Promise<void>;
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
  /** What was read after the last newline, as it came. */
  #pending: Uint8Array[] = [];
  #pendingSize = 0;
  /** The last write: each message goes out after the one before it. */
  #written: Promise<void> = Promise.resolve();

  constructor(stdio: StdioBytes, maxBufferSize = STDIO_DEFAULT_MAX_BUFFER_SIZE) {
    this.#stdio = stdio;
    this.#maxBufferSize = maxBufferSize;
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error("StdioBytesTransport already started");
    this.#started = this.#reading = true;
    void this.#readUntilEnd();
  }

  send(message: JSONRPCMessage): Promise<void> {
    const bytes = this.#encoder.encode(serializeMessage(message));
    const write = () => this.#stdio.write(bytes);
    this.#written = this.#written.then(write, write);
    return this.#written;
  }

  /** Stops reading, and settles once what was sent has been written. */
  async close(): Promise<void> {
    if (this.#reading) {
      this.#reading = false;
      this.#stdio.stopReading();
    }
    this.#pending = [];
    this.#pendingSize = 0;
    await this.#written.catch(() => undefined);
    this.onclose?.();
  }

  async #readUntilEnd(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#stdio.read();
        if (chunk === null || !this.#reading) return;
        this.#take(chunk);
      }
    } catch (error) {
      if (this.#reading) this.onerror?.(asError(error));
    }
  }

  /** Delivers every line the chunk ends; keeps what follows the last newline. */
  #take(chunk: Uint8Array): void {
    if (this.#pendingSize + chunk.length > this.#maxBufferSize) {
      this.onerror?.(new Error(`ReadBuffer exceeded maximum size of ${this.#maxBufferSize} bytes`));
      void this.close();
      return;
    }
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1 && this.#reading;) {
      this.#deliver(this.#lineEndingWith(chunk.subarray(start, end)));
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length && this.#reading) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingSize += chunk.length - start;
    }
  }

  #lineEndingWith(tail: Uint8Array): string {
    if (this.#pending.length === 0) return this.#decoder.decode(tail);
    const line = new Uint8Array(this.#pendingSize + tail.length);
    let offset = 0;
    for (const part of [...this.#pending, tail]) {
      line.set(part, offset);
      offset += part.length;
    }
    this.#pending = [];
    this.#pendingSize = 0;
    return this.#decoder.decode(line);
  }

  #deliver(line: string): void {
    try {
      this.onmessage?.(deserializeMessage(line.replace(/\r$/, "")));
    } catch (error) {
      this.onerror?.(asError(error));
    }
  }
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
