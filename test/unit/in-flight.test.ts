import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { InFlightCalls, TrackedTransport } from "../../src/core/mcp/in-flight.js";

function tracked() {
  const inner: Transport = { start: async () => {}, send: async () => {}, close: async () => {} };
  const calls = new InFlightCalls();
  const transport = new TrackedTransport(inner, calls);
  const receive = (message: JSONRPCMessage) => inner.onmessage?.(message);
  return { calls, transport, receive };
}

describe("TrackedTransport", () => {
  it("counts a request until it is answered", async () => {
    const { calls, transport, receive } = tracked();
    receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } });
    expect(calls.running).toBe(1);
    await transport.send({ jsonrpc: "2.0", id: 1, result: {} });
    expect(calls.running).toBe(0);
  });

  it("counts a cancelled request as done, since it gets no answer", () => {
    const { calls, receive } = tracked();
    receive({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "x" } });
    receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } });
    expect(calls.running).toBe(0);
    receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } });
    expect(calls.running).toBe(0);
  });
});
