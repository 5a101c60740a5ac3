import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { type Launch, endProcess } from "./launch.js";

/** What crossed a session's wire so far. */
export interface WireCount {
  sentBytes: number;
  receivedBytes: number;
  /** tools/call requests sent. */
  calls: number;
}

/**
 * The client side of stdio, like the SDK's StdioClientTransport, that counts
 * the bytes it writes to the server's stdin and reads from its stdout: what an
 * agent's client sends and what the server makes it read, as they are on the
 * wire (a server's own JSON escaping included), progress notifications too.
 */
export class CountedStdioTransport implements Transport {
  readonly #launch: Launch;
  readonly #env: Record<string, string>;
  readonly #buffer = new ReadBuffer();
  #child: ChildProcessWithoutNullStreams | undefined;
  #count: WireCount = { sentBytes: 0, receivedBytes: 0, calls: 0 };
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Called with each chunk the server writes to stderr. */
  onstderr?: (chunk: Buffer) => void;

  constructor(launch: Launch, env: Record<string, string>) {
    this.#launch = launch;
    this.#env = env;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#launch.command, this.#launch.args, { env: this.#env });
      this.#child = child;
      child.once("error", reject);
      child.once("spawn", resolve);
      child.once("close", () => this.onclose?.());
      child.stdin.on("error", (error) => this.onerror?.(error));
      child.stderr.on("data", (chunk: Buffer) => this.onstderr?.(chunk));
      child.stdout.on("data", (chunk: Buffer) => {
        this.#count.receivedBytes += chunk.length;
        this.#buffer.append(chunk);
        this.#deliver();
      });
    });
  }

  #deliver() {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.#buffer.readMessage();
      } catch (error) {
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    const line = serializeMessage(message);
    this.#count.sentBytes += Buffer.byteLength(line);
    if ("method" in message && message.method === "tools/call") this.#count.calls++;
    return new Promise((resolve) => {
      if (this.#child?.stdin.write(line)) resolve();
      else this.#child?.stdin.once("drain", resolve);
    });
  }

  async close(): Promise<void> {
    if (this.#child) await endProcess(this.#child);
    this.#buffer.clear();
  }

  /** The count since the last take. */
  take(): WireCount {
    const count = this.#count;
    this.#count = { sentBytes: 0, receivedBytes: 0, calls: 0 };
    return count;
  }
}
