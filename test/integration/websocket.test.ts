import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import {
  PodmanDirect,
  type RunningServer,
  callOk,
  runBundle,
  socketUrl,
  startHttpServer,
  testEnv,
  uniqueName,
} from "./harness.js";

const TOKEN = "websocket-token-0123456789";

/** ws://HOST:PORT/ws of a server whose Streamable HTTP endpoint is `mcpUrl`. */
const webSocketUrl = (mcpUrl: string, query = "") =>
  `${mcpUrl.replace(/^http/, "ws").replace(/\/mcp$/, "/ws")}${query}`;

/**
 * The SDK's WebSocketClientTransport opens `new WebSocket(url, "mcp")` on the
 * global WebSocket, which Node 20 lacks: the `ws` package stands in for it.
 * With `headers`, the stand-in also sends them, as a non-browser client can.
 */
async function connectWebSocket(url: string, headers: Record<string, string> = {}) {
  vi.stubGlobal(
    "WebSocket",
    class extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
  );
  const client = new Client({ name: "mcp-podman-tests", version: "1.0.0" });
  try {
    await client.connect(new WebSocketClientTransport(new URL(url)));
  } finally {
    vi.unstubAllGlobals();
  }
  return client;
}

type Handshake = { status: number } | { status: 101; socket: WebSocket };

/** A raw handshake: the refusal's status, or the open socket. */
function handshake(
  url: string,
  headers: Record<string, string>,
  protocol: string | string[] = "mcp",
) {
  return new Promise<Handshake>((resolve, reject) => {
    const socket = new WebSocket(url, protocol, { headers });
    socket.once("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      response.resume();
      socket.terminate();
    });
    socket.once("open", () => resolve({ status: 101, socket }));
    socket.once("error", reject);
  });
}

function opened(result: Handshake): WebSocket {
  expect(result.status).toBe(101);
  return (result as { socket: WebSocket }).socket;
}

/** The next text frame, parsed. */
const nextMessage = (socket: WebSocket) =>
  new Promise<{ id: unknown; error?: { code: number; message: string } }>((resolve) =>
    socket.once("message", (data) => resolve(JSON.parse(String(data)))),
  );

describe("MCP over WebSocket with a bearer token", () => {
  let server: RunningServer;
  const podman = new PodmanDirect();

  /** The server's own count of open MCP sessions, from /metrics. */
  async function sessionsOpen(): Promise<number> {
    const response = await fetch(new URL("/metrics", server.url), {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const text = await response.text();
    return Number(/^mcp_server_session_active(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  beforeAll(async () => {
    server = await startHttpServer(["--ws"], { MCP_PODMAN_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await podman.cleanup();
    await server?.stop();
  });

  it("announces the WebSocket URL next to /mcp", () => {
    const listening = server.stderr.find((line) => line.includes('"websocket"'));
    expect(listening).toContain(`"websocket":"${webSocketUrl(server.url)}"`);
  });

  /** A one-time ticket for a client that cannot send the Authorization header. */
  async function ticket(): Promise<string> {
    const response = await fetch(new URL("/ws/ticket", server.url), {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { ticket: string; expires_in: number };
    expect(body.expires_in).toBe(30);
    expect(body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return body.ticket;
  }

  it("lists tools and runs podman_ps for the SDK client with a one-time ticket", async () => {
    const name = podman.track(uniqueName("ws-ps"));
    const created = await podman.request("POST", "/containers/create", {
      name,
      image: testEnv().PODMAN_TEST_IMAGE,
      command: ["true"],
    });
    expect(created.status).toBe(201);

    const url = webSocketUrl(server.url, `?ticket=${await ticket()}`);
    const client = await connectWebSocket(url);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(["podman_ps", "podman_run", "podman_logs"]),
    );
    expect(await sessionsOpen()).toBe(1);

    const ps = await callOk<{ count: number; containers: { name: string; state: string }[] }>(
      client,
      "podman_ps",
      { all: true, filters: { name: `^${name}$` } },
    );
    expect(ps.count).toBe(1);
    expect(ps.containers[0]).toMatchObject({ name, state: "created" });
    expect(ps.rendered).toContain(name);

    // A ticket opens one connection only.
    await expect(connectWebSocket(url)).rejects.toThrow(/401/);
    await client.close();
    await expect.poll(sessionsOpen).toBe(0);
  });

  it("takes the token from an Authorization header on the upgrade request", async () => {
    const client = await connectWebSocket(webSocketUrl(server.url), {
      Authorization: `Bearer ${TOKEN}`,
    });
    const ps = await callOk<{ count: number }>(client, "podman_ps", { all: true });
    expect(ps.count).toBeGreaterThanOrEqual(0);
    await client.close();
    await expect.poll(sessionsOpen).toBe(0);
  });

  it("refuses a missing or wrong token or ticket with 401 before upgrading, opening no session", async () => {
    const url = webSocketUrl(server.url);
    const spent = await ticket();
    opened(await handshake(`${url}?ticket=${spent}`, {})).close();
    for (const [query, headers] of [
      ["", {}],
      ["", { Authorization: "Bearer wrong-token" }],
      ["", { Authorization: `Basic ${btoa(`x:${TOKEN}`)}` }],
      ["?ticket=no-such-ticket", {}],
      [`?ticket=${spent}`, {}],
      // The token itself is never taken from the URL.
      [`?access_token=${TOKEN}`, {}],
      [`?ticket=${TOKEN}`, {}],
      // The header decides when both are given.
      [`?ticket=${await ticket()}`, { Authorization: "Bearer wrong-token" }],
    ] as const) {
      expect(
        await handshake(`${url}${query}`, headers),
        `${query} ${JSON.stringify(headers)}`,
      ).toEqual({
        status: 401,
      });
    }
    await expect(connectWebSocket(url)).rejects.toThrow(/401/);
    await expect(connectWebSocket(url, { Authorization: "Bearer wrong" })).rejects.toThrow(/401/);
    await expect.poll(sessionsOpen).toBe(0);

    for (const authorization of [undefined, "Bearer wrong-token"]) {
      const refused = await fetch(new URL("/ws/ticket", server.url), {
        method: "POST",
        headers: authorization ? { authorization } : {},
      });
      expect(refused.status, authorization).toBe(401);
      expect(await refused.text()).not.toMatch(/ticket/);
    }
  });

  it("refuses a foreign Origin on a loopback listener (DNS rebinding)", async () => {
    const url = webSocketUrl(server.url);
    const headers = { Authorization: `Bearer ${TOKEN}` };
    expect(await handshake(url, { ...headers, Origin: "http://evil.example" })).toEqual({
      status: 403,
    });
    expect(await handshake(url, { ...headers, Host: "evil.example" })).toEqual({ status: 403 });
    const local = opened(await handshake(url, { ...headers, Origin: "http://localhost:3000" }));
    local.close();
    const foreignTicket = await fetch(new URL("/ws/ticket", server.url), {
      method: "POST",
      headers: { ...headers, Origin: "http://evil.example" },
    });
    expect(foreignTicket.status).toBe(403);
  });

  it("answers the mcp subprotocol and refuses a client that offers only others", async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const url = webSocketUrl(server.url);
    const socket = opened(await handshake(url, headers, ["other", "mcp"]));
    expect(socket.protocol).toBe("mcp");
    socket.close();
    expect(await handshake(url, headers, "graphql-ws")).toEqual({ status: 400 });
    const plain = await fetch(url.replace(/^ws/, "http"), { headers });
    expect(plain.status).toBe(426);
  });

  it("answers frames that are not one JSON-RPC message with JSON-RPC errors", async () => {
    const socket = opened(
      await handshake(webSocketUrl(server.url), { Authorization: `Bearer ${TOKEN}` }),
    );
    socket.send("{not json");
    expect(await nextMessage(socket)).toMatchObject({ id: null, error: { code: -32700 } });
    socket.send(JSON.stringify({ jsonrpc: "2.0", id: 7, method: 42 }));
    expect(await nextMessage(socket)).toMatchObject({ id: 7, error: { code: -32600 } });
    socket.send(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "ping" }));
    expect(await nextMessage(socket)).toEqual({ jsonrpc: "2.0", id: 8, result: {} });

    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    socket.send(new Uint8Array([1, 2, 3]));
    expect(await closed).toBe(1003);
    await expect.poll(sessionsOpen).toBe(0);
  });
});

describe("shutting down with WebSocket sessions open", () => {
  it("closes them with 1001 Going Away", async () => {
    const server = await startHttpServer(["--ws"], { MCP_PODMAN_TOKEN: TOKEN });
    try {
      const socket = opened(
        await handshake(webSocketUrl(server.url), { Authorization: `Bearer ${TOKEN}` }),
      );
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
      expect(await nextMessage(socket)).toMatchObject({ id: 1, result: {} });
      const closed = new Promise<number>((resolve) => socket.once("close", resolve));
      await server.stop();
      expect(await closed).toBe(1001);
      expect(server.process.exitCode).toBe(0);
    } finally {
      await server.stop();
    }
  });
});

describe("without --ws", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startHttpServer([], { MCP_PODMAN_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("has no /ws", async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    expect(await handshake(webSocketUrl(server.url), headers)).toEqual({ status: 404 });
    const ticket = await fetch(new URL("/ws/ticket", server.url), { method: "POST", headers });
    expect(ticket.status).toBe(404);
  });

  it("refuses --ws without --listen", async () => {
    const { code, stderr } = await runBundle(["--stdio", "--ws", "--socket", socketUrl()]);
    expect(code).toBe(2);
    expect(stderr).toContain("--ws needs --listen HOST:PORT");
  });
});
