import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import {
  type MessageSocket,
  WebSocketServerTransport,
  offeredSubprotocols,
} from "../../src/core/http/websocket.js";

/** A socket that records what the transport does with it. */
class RecordingSocket implements MessageSocket {
  readyState = 1;
  readonly sent: unknown[] = [];
  readonly closes: { code?: number; reason?: string }[] = [];

  send(text: string) {
    this.sent.push(JSON.parse(text));
  }

  close(code?: number, reason?: string) {
    this.closes.push({ code, reason });
    this.readyState = 2;
  }
}

function transportOver(socket = new RecordingSocket()) {
  let ended = 0;
  let closed = 0;
  const transport = new WebSocketServerTransport(socket, () => ended++);
  const received: JSONRPCMessage[] = [];
  transport.onmessage = (message) => received.push(message);
  transport.onclose = () => closed++;
  return { socket, transport, received, closed: () => closed, ended: () => ended };
}

const ping = { jsonrpc: "2.0", id: 1, method: "ping" } as const;

describe("WebSocketServerTransport", () => {
  it("hands over messages that arrived before start, in order, then the rest as they come", async () => {
    const { transport, received } = transportOver();
    transport.receive(JSON.stringify(ping));
    transport.receive(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    expect(received).toEqual([]);
    await transport.start();
    transport.receive(JSON.stringify({ ...ping, id: 2 }));
    expect(received).toEqual([
      ping,
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { ...ping, id: 2 },
    ]);
    await expect(transport.start()).rejects.toThrow(/already started/);
  });

  it("sends each message as one JSON text frame", async () => {
    const { socket, transport } = transportOver();
    await transport.send({ jsonrpc: "2.0", id: 1, result: {} });
    expect(socket.sent).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }]);
  });

  it("answers a frame that is not JSON with a parse error", async () => {
    const { socket, transport, received } = transportOver();
    await transport.start();
    transport.receive("{not json");
    expect(received).toEqual([]);
    expect(socket.sent).toEqual([
      {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700, message: "Parse error: the message is not valid JSON" },
      },
    ]);
  });

  it.each([
    [{ jsonrpc: "2.0", id: 7, method: 42 }, 7],
    [{ jsonrpc: "1.0", id: "a", method: "ping" }, "a"],
    [[ping, ping], null],
    [42, null],
    [null, null],
  ])("answers %j with Invalid Request for id %j", async (json, id) => {
    const { socket, transport, received } = transportOver();
    await transport.start();
    transport.receive(JSON.stringify(json));
    expect(received).toEqual([]);
    expect(socket.sent).toEqual([
      {
        jsonrpc: "2.0",
        id,
        error: {
          code: -32600,
          message: "Invalid Request: each frame must hold one JSON-RPC 2.0 message",
        },
      },
    ]);
  });

  it("closes with 1003 on a binary frame", async () => {
    const { socket, transport, received } = transportOver();
    await transport.start();
    transport.receive(new ArrayBuffer(3));
    expect(received).toEqual([]);
    expect(socket.closes).toEqual([{ code: 1003, reason: "MCP messages are JSON text frames" }]);
  });

  it("ends the session once, whether the server or the peer closes", async () => {
    const { socket, transport, closed, ended } = transportOver();
    await transport.close();
    transport.socketClosed();
    expect(closed()).toBe(1);
    expect(ended()).toBe(1);
    expect(socket.closes).toEqual([{ code: 1000, reason: undefined }]);
    await expect(transport.send({ jsonrpc: "2.0", id: 1, result: {} })).rejects.toThrow(/closed/);
    transport.receive(JSON.stringify(ping));
    expect(socket.sent).toEqual([]);
  });

  it("does not close a socket the peer already closed", async () => {
    const { socket, transport, closed, ended } = transportOver();
    socket.readyState = 3;
    transport.socketClosed();
    await transport.close();
    expect(socket.closes).toEqual([]);
    expect(closed()).toBe(1);
    expect(ended()).toBe(1);
  });

  it("has a session id of its own", () => {
    const a = new WebSocketServerTransport(new RecordingSocket());
    const b = new WebSocketServerTransport(new RecordingSocket());
    expect(a.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.sessionId).not.toBe(b.sessionId);
  });
});

describe("offeredSubprotocols", () => {
  it.each([
    [undefined, []],
    ["", []],
    ["mcp", ["mcp"]],
    ["other,mcp", ["other", "mcp"]],
    ["other, mcp ,  x", ["other", "mcp", "x"]],
  ])("reads %j as %j", (header, expected) => {
    expect(offeredSubprotocols(header)).toEqual(expected);
  });
});

describe("WebSocketServerTransport under a wrapper", () => {
  it("reports the session's end even when a wrapper took over onclose", async () => {
    let ended = 0;
    const transport = new WebSocketServerTransport(new RecordingSocket(), () => ended++);
    let wrapperSawClose = false;
    transport.onclose = () => (wrapperSawClose = true);
    transport.socketClosed();
    expect(ended).toBe(1);
    expect(wrapperSawClose).toBe(true);
  });
});
