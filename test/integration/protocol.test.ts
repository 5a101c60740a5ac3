import { type Socket, connect as connectTcp } from "node:net";
import { fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, connectHttp, startHttpServer } from "./harness.js";

const TOKEN = "protocol-test-token";
const PROTOCOL_VERSION = "2025-06-18";
const FOUR_MIB = 4 * 1024 * 1024;

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "protocol-test", version: "1.0.0" },
  },
});

const JSON_AND_SSE = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  /** The JSON-RPC messages: the JSON body, or the data of each SSE event. */
  messages: { id?: unknown; result?: unknown; error?: { code: number; message: string } }[];
}

let server: RunningServer;

/**
 * Sends one request. An oversized body goes over a raw socket of its own:
 * the server answers 413 without reading it and closes, and a fetch client
 * still writing the body then fails with EPIPE before it reads the answer,
 * more often the busier the machine. A raw client, as an attacker's would,
 * reads the answer whatever happens to its writes.
 */
async function send(
  method: string,
  body: BodyInit | undefined,
  headers: Record<string, string> = JSON_AND_SSE,
): Promise<Answer> {
  if (body instanceof ReadableStream || (typeof body === "string" && body.length > FOUR_MIB)) {
    return sendOversized(method, headers, body);
  }
  const response = await undiciFetch(server.url, { method, headers, body: body as string });
  return answer(response.status, response.headers.get("content-type"), await response.text());
}

function answer(status: number, contentType: string | null, text: string): Answer {
  const messages = contentType?.startsWith("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => JSON.parse(line.slice("data: ".length)))
    : text
      ? [JSON.parse(text)].flat()
      : [];
  return { status, contentType, text, messages };
}

function sendOversized(
  method: string,
  headers: Record<string, string>,
  body: string | ReadableStream<Uint8Array>,
): Promise<Answer> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    // EPIPE or ECONNRESET once the server has answered and closed: expected.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      try {
        resolve(parseRawAnswer(Buffer.concat(received)));
      } catch (error) {
        reject(error);
      }
    });
    const framing =
      typeof body === "string"
        ? `content-length: ${Buffer.byteLength(body)}`
        : "transfer-encoding: chunked";
    const head = [
      `${method} ${url.pathname} HTTP/1.1`,
      `host: ${url.host}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      framing,
      "connection: close",
      "",
      "",
    ].join("\r\n");
    socket.write(head);
    void writeRawBody(socket, body).catch(() => undefined);
  });
}

async function writeRawBody(socket: Socket, body: string | ReadableStream<Uint8Array>) {
  const write = (data: string | Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      if (socket.destroyed) return reject(new Error("closed"));
      socket.write(data, (error) => (error ? reject(error) : resolve()));
    });
  if (typeof body === "string") {
    for (let at = 0; at < body.length; at += 64 * 1024) await write(body.slice(at, at + 64 * 1024));
    return;
  }
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    await write(`${chunk.length.toString(16)}\r\n`);
    await write(chunk);
    await write("\r\n");
  }
  await write("0\r\n\r\n");
}

function parseRawAnswer(raw: Buffer): Answer {
  const text = raw.toString("utf8");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no HTTP answer before the server closed: ${JSON.stringify(text)}`);
  const [statusLine, ...headerLines] = text.slice(0, end).split("\r\n");
  const header = (name: string) =>
    headerLines
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim() ?? null;
  let body = text.slice(end + 4);
  if (header("transfer-encoding") === "chunked") body = decodeChunked(body);
  return answer(Number(statusLine!.split(" ")[1]), header("content-type"), body);
}

function decodeChunked(body: string): string {
  let decoded = "";
  for (let at = 0; ;) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (!size) return decoded;
    decoded += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

const post = (body: BodyInit, headers?: Record<string, string>) => send("POST", body, headers);

/** The single JSON-RPC error an HTTP-level refusal carries. */
function refusal(answer: Answer) {
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(answer.messages).toHaveLength(1);
  expect(answer.messages[0]!.id).toBeNull();
  return { status: answer.status, code: answer.messages[0]!.error?.code };
}

async function openSession(): Promise<Record<string, string>> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: JSON_AND_SSE,
    body: INITIALIZE,
  });
  await response.text();
  expect(response.status).toBe(200);
  const session = response.headers.get("mcp-session-id");
  expect(session).toMatch(/^[0-9a-f-]{36}$/);
  const headers = {
    ...JSON_AND_SSE,
    "mcp-session-id": session!,
    "mcp-protocol-version": PROTOCOL_VERSION,
  };
  const initialized = await post(
    JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    headers,
  );
  expect(initialized.status).toBe(202);
  return headers;
}

/** A body of `size` bytes sent in chunks, so no Content-Length announces it. */
function chunkedBody(size: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

beforeAll(async () => {
  server = await startHttpServer([], { MCP_PODMAN_TOKEN: TOKEN });
});

afterAll(async () => {
  await server?.stop();
});

describe("bad HTTP input without a session", () => {
  it("answers a body that is not JSON, or cut short, with 400 and -32700", async () => {
    expect(refusal(await post("garbage{"))).toEqual({ status: 400, code: -32700 });
    expect(refusal(await post('{"jsonrpc":"2.0","id":1,"method":"initi'))).toEqual({
      status: 400,
      code: -32700,
    });
    expect(refusal(await post(""))).toEqual({ status: 400, code: -32700 });
  });

  it("answers JSON that is no initialize (null, a number, batches, deep nesting) with 400", async () => {
    for (const body of [
      "null",
      "42",
      "[]",
      '[1,2,"x"]',
      '{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
    ]) {
      const answer = await post(body);
      expect(refusal(answer), body).toEqual({ status: 400, code: -32000 });
      expect(answer.messages[0]!.error!.message).toBe(
        "Bad Request: no session; send initialize first",
      );
    }
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    expect(refusal(await post(deep))).toEqual({ status: 400, code: -32000 });
  });

  it("refuses a wrong content type with 415 and a wrong Accept with 406", async () => {
    const plain = await post(INITIALIZE, { ...JSON_AND_SSE, "content-type": "text/plain" });
    expect(refusal(plain)).toEqual({ status: 415, code: -32000 });
    const { accept: _accept, ...noAccept } = JSON_AND_SSE;
    expect(refusal(await post(INITIALIZE, noAccept))).toEqual({ status: 406, code: -32000 });
    const jsonOnly = await post(INITIALIZE, { ...JSON_AND_SSE, accept: "application/json" });
    expect(refusal(jsonOnly)).toEqual({ status: 406, code: -32000 });
  });

  it("asks for a session on GET and DELETE, and does not know made-up session ids", async () => {
    expect(refusal(await send("GET", undefined))).toEqual({ status: 400, code: -32000 });
    expect(refusal(await send("DELETE", undefined))).toEqual({ status: 400, code: -32000 });
    const madeUp = { ...JSON_AND_SSE, "mcp-session-id": "00000000-0000-0000-0000-000000000000" };
    expect(refusal(await post('{"jsonrpc":"2.0","id":2,"method":"ping"}', madeUp))).toEqual({
      status: 404,
      code: -32001,
    });
    expect(refusal(await send("GET", undefined, { ...madeUp, "mcp-session-id": "x" }))).toEqual({
      status: 404,
      code: -32001,
    });
  });

  it("refuses a missing or wrong token with 401 before reading anything", async () => {
    const { authorization: _authorization, ...anonymous } = JSON_AND_SSE;
    const missing = await post(INITIALIZE, anonymous);
    expect(refusal(missing)).toEqual({ status: 401, code: -32001 });
    const wrong = await post(INITIALIZE, { ...JSON_AND_SSE, authorization: "Bearer nope" });
    expect(refusal(wrong)).toEqual({ status: 401, code: -32001 });
  });

  it("refuses a body over 4 MiB with 413, announced or chunked", async () => {
    const huge = "a".repeat(FOUR_MIB + 1024 * 1024);
    const announced = await post(huge);
    expect(refusal(announced)).toEqual({ status: 413, code: -32000 });
    expect(announced.messages[0]!.error!.message).toContain("4194304");
    expect(refusal(await post(chunkedBody(FOUR_MIB + 1024 * 1024)))).toEqual({
      status: 413,
      code: -32000,
    });
  });

  it("still serves an initialize just under the limit", async () => {
    const padded = JSON.parse(INITIALIZE);
    padded.params.padding = "x".repeat(3 * 1024 * 1024);
    const answer = await post(JSON.stringify(padded));
    expect(answer.status).toBe(200);
    expect(answer.messages[0]!.result).toMatchObject({ serverInfo: { name: "mcp-podman" } });
  });
});

describe("bad input inside a session", () => {
  it("answers an unknown method with JSON-RPC -32601 under the request's id", async () => {
    const session = await openSession();
    const answer = await post('{"jsonrpc":"2.0","id":5,"method":"no/such"}', session);
    expect(answer.status).toBe(200);
    expect(answer.messages).toEqual([
      { jsonrpc: "2.0", id: 5, error: { code: -32601, message: "Method not found" } },
    ]);
  });

  it("answers garbage, cut-short and non-JSON-RPC bodies with 400 and -32700", async () => {
    const session = await openSession();
    for (const body of ["garbage{", '{"jsonrpc":"2.0","id":1,"method":"tools/li']) {
      expect(refusal(await post(body, session)), body).toEqual({ status: 400, code: -32700 });
    }
    // Valid JSON that is no JSON-RPC message: JSON-RPC would say -32600; the SDK says -32700.
    for (const body of ['{"hello":1}', '[1,2,"x"]']) {
      expect(refusal(await post(body, session)), body).toEqual({ status: 400, code: -32700 });
    }
  });

  it("refuses text/plain with 415 and a missing Accept with 406 in a session too", async () => {
    const session = await openSession();
    const ping = '{"jsonrpc":"2.0","id":6,"method":"ping"}';
    const plain = await post(ping, { ...session, "content-type": "text/plain" });
    expect(refusal(plain)).toEqual({ status: 415, code: -32000 });
    const { accept: _accept, ...noAccept } = session;
    expect(refusal(await post(ping, noAccept))).toEqual({ status: 406, code: -32000 });
  });

  it("answers every request of a 50-message batch and each part of a mixed one", async () => {
    const session = await openSession();
    const pings = Array.from({ length: 50 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i + 10,
      method: "ping",
    }));
    const many = await post(JSON.stringify(pings), session);
    expect(many.status).toBe(200);
    expect(many.messages.map((m) => m.id).sort((a, b) => Number(a) - Number(b))).toEqual(
      pings.map((p) => p.id),
    );
    expect(many.messages.every((m) => JSON.stringify(m.result) === "{}")).toBe(true);

    const mixed = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 100, method: "ping" },
        { jsonrpc: "2.0", id: 101, method: "no/such" },
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 999 } },
      ]),
      session,
    );
    expect(mixed.status).toBe(200);
    const byId = Object.fromEntries(mixed.messages.map((m) => [m.id, m]));
    expect(Object.keys(byId).sort()).toEqual(["100", "101"]);
    expect(byId[100]!.result).toEqual({});
    expect(byId[101]!.error).toEqual({ code: -32601, message: "Method not found" });
  });

  it("takes an empty batch or a batch of notifications with 202 and no body", async () => {
    const session = await openSession();
    // JSON-RPC 2.0 wants one -32600 error for "[]"; the SDK accepts it as "nothing to answer".
    const empty = await post("[]", session);
    expect(empty.status).toBe(202);
    expect(empty.text).toBe("");
    const notifications = await post(
      '[{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":999}}]',
      session,
    );
    expect(notifications.status).toBe(202);
  });

  it("refuses a second initialize (-32600), an unknown protocol version and PUT", async () => {
    const session = await openSession();
    expect(refusal(await post(INITIALIZE, session))).toEqual({ status: 400, code: -32600 });
    const oldVersion = { ...session, "mcp-protocol-version": "1999-01-01" };
    const versioned = await post('{"jsonrpc":"2.0","id":7,"method":"ping"}', oldVersion);
    expect(refusal(versioned)).toEqual({ status: 400, code: -32000 });
    expect(versioned.messages[0]!.error!.message).toContain(
      "Unsupported protocol version: 1999-01-01",
    );
    expect(refusal(await send("PUT", "{}", session))).toEqual({ status: 405, code: -32000 });
    expect(refusal(await post("a".repeat(FOUR_MIB + 1), session))).toEqual({
      status: 413,
      code: -32000,
    });
  });

  it("forgets a deleted session: POST, GET and DELETE with its id answer 404", async () => {
    const session = await openSession();
    const deleted = await send("DELETE", undefined, session);
    expect(deleted.status).toBe(200);
    const ping = '{"jsonrpc":"2.0","id":8,"method":"ping"}';
    expect(refusal(await post(ping, session))).toEqual({ status: 404, code: -32001 });
    expect(refusal(await send("GET", undefined, session))).toEqual({ status: 404, code: -32001 });
    expect(refusal(await send("DELETE", undefined, session))).toEqual({
      status: 404,
      code: -32001,
    });
  });
});

describe("after all that", () => {
  it("still serves a real client, and logged no crash or unhandled rejection", async () => {
    const client = await connectHttp(server.url, TOKEN);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("podman_ps");
    await client.close();
    expect(server.process.exitCode).toBeNull();
    expect(server.stderr.filter((line) => /Unhandled|^\s+at |"level":"error"/.test(line))).toEqual(
      [],
    );
  });
});
