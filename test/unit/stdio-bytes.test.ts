import { describe, expect, it } from "vitest";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import {
  type StdioBytes,
  StdioBytesTransport,
} from "../../src/core/host/transports/stdio-bytes.js";

const encoder = new TextEncoder();
const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" }) as const;
const line = (message: unknown) => `${JSON.stringify(message)}\n`;

/** A stdin the test writes to, read as a runtime reads it: one chunk per read. */
function pipe() {
  const chunks: (Uint8Array | null)[] = [];
  let waiting: ((chunk: Uint8Array | null) => void) | undefined;
  let stopped = false;
  const give = (chunk: Uint8Array | null) => {
    if (waiting) {
      waiting(chunk);
      waiting = undefined;
    } else chunks.push(chunk);
  };
  const written: string[] = [];
  const decoder = new TextDecoder();
  const stdio: StdioBytes = {
    read: () =>
      chunks.length > 0
        ? Promise.resolve(chunks.shift() ?? null)
        : new Promise((resolve) => (waiting = resolve)),
    stopReading: () => {
      stopped = true;
    },
    write: async (bytes) => {
      // A slow stdout: the first message written takes longest.
      await new Promise((resolve) => setTimeout(resolve, written.length === 0 ? 20 : 0));
      written.push(decoder.decode(bytes));
    },
  };
  return {
    stdio,
    written,
    stopped: () => stopped,
    write: (bytes: string | Uint8Array) =>
      give(typeof bytes === "string" ? encoder.encode(bytes) : bytes),
    end: () => give(null),
  };
}

/** A transport over a fresh pipe, recording what it delivers. */
function transportOverPipe(maxBufferSize?: number) {
  const stdin = pipe();
  const transport = new StdioBytesTransport(stdin.stdio, maxBufferSize);
  const messages: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let closed = 0;
  transport.onmessage = (message) => messages.push(message);
  transport.onerror = (error) => errors.push(error);
  transport.onclose = () => closed++;
  return { ...stdin, transport, messages, errors, closed: () => closed };
}

/** Lets the transport's read loop take what was written. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("StdioBytesTransport", () => {
  it("delivers one message per line, whatever the chunks, with CRLF and split characters", async () => {
    const stdin = transportOverPipe();
    await stdin.transport.start();
    const notification = {
      jsonrpc: "2.0",
      method: "notifications/message",
      params: { data: "é😀" },
    };
    const whole = encoder.encode(`${line(ping(1))}${JSON.stringify(notification)}\r\n`);
    for (const byte of whole) stdin.write(new Uint8Array([byte]));
    stdin.write(line(ping(2)) + line(ping(3)).slice(0, 5));
    await settle();
    expect(stdin.messages).toEqual([ping(1), notification, ping(2)]);
    stdin.write(line(ping(3)).slice(5));
    await settle();
    expect(stdin.messages.at(-1)).toEqual(ping(3));
    expect(stdin.errors).toEqual([]);
  });

  it("joins a message of megabytes that came in many chunks", async () => {
    const stdin = transportOverPipe();
    await stdin.transport.start();
    const big = { jsonrpc: "2.0", id: 9, method: "ping", params: { data: "x".repeat(3 << 20) } };
    const bytes = encoder.encode(line(big) + line(ping(10)));
    for (let offset = 0; offset < bytes.length; offset += 65536) {
      stdin.write(bytes.subarray(offset, offset + 65536));
    }
    await settle();
    expect(stdin.messages).toEqual([big, ping(10)]);
  });

  it("reports a line that is not a JSON-RPC message and reads on", async () => {
    const stdin = transportOverPipe();
    await stdin.transport.start();
    stdin.write(`not json\n${line({ hello: "world" })}${line(ping(4))}`);
    await settle();
    expect(stdin.errors).toHaveLength(2);
    expect(stdin.messages).toEqual([ping(4)]);
    expect(stdin.closed()).toBe(0);
  });

  it("reports, stops reading and closes when a line outgrows the buffer", async () => {
    const stdin = transportOverPipe(16);
    await stdin.transport.start();
    stdin.write("0123456789");
    stdin.write("0123456789");
    await settle();
    expect(stdin.errors.map((error) => error.message)).toEqual([
      "ReadBuffer exceeded maximum size of 16 bytes",
    ]);
    expect(stdin.closed()).toBe(1);
    expect(stdin.stopped()).toBe(true);
    stdin.write(line(ping(5)));
    await settle();
    expect(stdin.messages).toEqual([]);
  });

  it("writes each message as one line, in the order sent, however long a write takes", async () => {
    const stdin = transportOverPipe();
    const sent = [stdin.transport.send(ping(6)), stdin.transport.send(ping(8))];
    expect(stdin.written).toEqual([]);
    await Promise.all(sent);
    expect(stdin.written).toEqual([line(ping(6)), line(ping(8))]);
  });

  it("starts once, is not closed by the end of stdin, and delivers nothing once closed", async () => {
    const ended = transportOverPipe();
    await ended.transport.start();
    await expect(ended.transport.start()).rejects.toThrow("already started");
    ended.end();
    await settle();
    expect(ended.closed()).toBe(0);
    expect(ended.stopped()).toBe(false);

    const open = transportOverPipe();
    await open.transport.start();
    await open.transport.close();
    expect(open.closed()).toBe(1);
    expect(open.stopped()).toBe(true);
    open.write(line(ping(7)));
    await settle();
    expect(open.messages).toEqual([]);
  });
});
