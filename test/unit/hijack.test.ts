import { describe, expect, it } from "vitest";
import { NotFound, PodmanTimeout } from "../../src/core/errors.js";
import type { SocketConnection } from "../../src/core/contracts.js";
import { PodmanClient } from "../../src/core/podman/client.js";

const encoder = new TextEncoder();

/** A connection whose answer is scripted: `answer` chunks, then the end unless `keepOpen`. */
function scriptedConnection(answer: string[], keepOpen = false) {
  const written: string[] = [];
  let closed = false;
  let halfClosed = false;
  const connection: SocketConnection = {
    readable: new ReadableStream({
      start(controller) {
        for (const chunk of answer) controller.enqueue(encoder.encode(chunk));
        if (!keepOpen) controller.close();
      },
    }),
    async write(bytes) {
      written.push(new TextDecoder().decode(bytes));
    },
    async closeWrite() {
      halfClosed = true;
    },
    close() {
      closed = true;
    },
  };
  return { connection, written, state: () => ({ closed, halfClosed }) };
}

const client = (connection: SocketConnection) =>
  new PodmanClient({
    fetch: () => Promise.reject(new Error("no fetch in this test")),
    connect: async () => connection,
    socket: "/test.sock",
    timeoutMs: 1000,
  });

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("PodmanClient.hijack", () => {
  it("sends the request with an upgrade and hands over what follows the head", async () => {
    const scripted = scriptedConnection([
      "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n",
      "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nfirst",
      " second",
    ]);
    const session = await client(scripted.connection).hijack("POST", "/exec/abc/start", {
      body: { Detach: false },
    });
    expect(scripted.written[0]).toBe(
      "POST /v4.0.0/libpod/exec/abc/start HTTP/1.1\r\nHost: libpod\r\n" +
        "Content-Type: application/json\r\nContent-Length: 16\r\n" +
        'Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n{"Detach":false}',
    );
    await session.write(encoder.encode("input"));
    await session.closeWrite();
    expect(scripted.written[1]).toBe("input");
    expect(await readAll(session.output)).toBe("first second");
    expect(scripted.state()).toEqual({ closed: true, halfClosed: true });
  });

  it("turns an error answer on a kept-alive connection into the typed error", async () => {
    const body = '{"cause":"no such exec","message":"no such exec session","response":404}';
    const scripted = scriptedConnection(
      [`HTTP/1.1 404 Not Found\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      true,
    );
    const failure = client(scripted.connection).hijack("POST", "/exec/gone/start", {});
    await expect(failure).rejects.toThrow(NotFound);
    await expect(failure).rejects.toThrow("no such exec session");
    expect(scripted.state().closed).toBe(true);
  });

  it("closes the connection at the timeout and says it timed out", async () => {
    const scripted = scriptedConnection([], true);
    const failure = client(scripted.connection).hijack("POST", "/exec/slow/start", {
      timeoutMs: 50,
      what: "Running the command",
    });
    await expect(failure).rejects.toThrow(PodmanTimeout);
    expect(scripted.state().closed).toBe(true);
  });

  it("fails the output with the timeout when it fires after the head", async () => {
    const scripted = scriptedConnection(["HTTP/1.1 101 UPGRADED\r\n\r\npartial"], true);
    const session = await client(scripted.connection).hijack("POST", "/exec/x/start", {
      timeoutMs: 50,
    });
    const error = await readAll(session.output).catch((caught: unknown) => caught);
    expect((error as Error).name).toBe("TimeoutError");
    expect(scripted.state().closed).toBe(true);
  });
});
