import { describe, expect, it } from "vitest";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { StdioStreamsTransport } from "../../src/core/host/transports/stdio-streams.js";

const encoder = new TextEncoder();
const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" }) as const;
const line = (message: unknown) => `${JSON.stringify(message)}\n`;

/** A transport over a stdin the test writes to, recording what it delivers and writes. */
function transportOverPipe(maxBufferSize?: number) {
  let stdin!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>({ start: (controller) => (stdin = controller) });
  const written: string[] = [];
  const decoder = new TextDecoder();
  const transport = new StdioStreamsTransport(
    readable,
    (bytes) => written.push(decoder.decode(bytes)),
    maxBufferSize,
  );
  const messages: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let closed = 0;
  transport.onmessage = (message) => messages.push(message);
  transport.onerror = (error) => errors.push(error);
  transport.onclose = () => closed++;
  return {
    transport,
    messages,
    errors,
    written,
    closed: () => closed,
    write: (bytes: string | Uint8Array) =>
      stdin.enqueue(typeof bytes === "string" ? encoder.encode(bytes) : bytes),
    end: () => stdin.close(),
  };
}

/** Lets the transport's read loop take what was written. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("StdioStreamsTransport", () => {
  it("delivers one message per line, whatever the chunks, with CRLF and split characters", async () => {
    const pipe = transportOverPipe();
    await pipe.transport.start();
    const whole = encoder.encode(
      line(ping(1)) +
        `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { data: "é😀" } })}\r\n`,
    );
    for (const byte of whole) pipe.write(new Uint8Array([byte]));
    pipe.write(line(ping(2)) + line(ping(3)).slice(0, 5));
    await settle();
    expect(pipe.messages).toEqual([
      ping(1),
      { jsonrpc: "2.0", method: "notifications/message", params: { data: "é😀" } },
      ping(2),
    ]);
    pipe.write(line(ping(3)).slice(5));
    await settle();
    expect(pipe.messages.at(-1)).toEqual(ping(3));
    expect(pipe.errors).toEqual([]);
  });

  it("reports a line that is not a JSON-RPC message and reads on", async () => {
    const pipe = transportOverPipe();
    await pipe.transport.start();
    pipe.write(`not json\n${line({ hello: "world" })}${line(ping(4))}`);
    await settle();
    expect(pipe.errors).toHaveLength(2);
    expect(pipe.messages).toEqual([ping(4)]);
    expect(pipe.closed()).toBe(0);
  });

  it("reports and closes when a line outgrows the buffer", async () => {
    const pipe = transportOverPipe(16);
    await pipe.transport.start();
    pipe.write("0123456789");
    pipe.write("0123456789");
    await settle();
    expect(pipe.errors.map((error) => error.message)).toEqual([
      "ReadBuffer exceeded maximum size of 16 bytes",
    ]);
    expect(pipe.closed()).toBe(1);
    expect(pipe.messages).toEqual([]);
  });

  it("writes each message as one line", async () => {
    const pipe = transportOverPipe();
    await pipe.transport.send(ping(5));
    expect(pipe.written).toEqual([line(ping(5))]);
  });

  it("starts once, stops reading when closed, and is not closed by the end of stdin", async () => {
    const pipe = transportOverPipe();
    await pipe.transport.start();
    await expect(pipe.transport.start()).rejects.toThrow("already started");
    pipe.end();
    await settle();
    expect(pipe.closed()).toBe(0);

    const open = transportOverPipe();
    await open.transport.start();
    await open.transport.close();
    expect(open.closed()).toBe(1);
    expect(() => open.write(line(ping(6)))).toThrow();
    expect(open.messages).toEqual([]);
  });
});
