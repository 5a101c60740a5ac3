import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RunningServer,
  callOk,
  connectHttp,
  runBundle,
  socketUrl,
  startHttpServer,
  MCP_POST_HEADERS,
  initializeRequest,
} from "./harness.js";

const TOKEN = "test-token-0123456789abcdef";
const initialize = initializeRequest("curl");
const mcpHeaders = MCP_POST_HEADERS;

describe("Streamable HTTP with a bearer token", () => {
  let server: RunningServer;
  let tokenDir: string;

  beforeAll(async () => {
    tokenDir = mkdtempSync(join(tmpdir(), "mcp-podman-tokens-"));
    writeFileSync(join(tokenDir, "tokens"), "# agents\nfile-token-one\n\nfile-token-two\n", {
      mode: 0o600,
    });
    server = await startHttpServer(["--token-file", join(tokenDir, "tokens")], {
      MCP_PODMAN_TOKEN: TOKEN,
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  it("serves tools to a client with a valid token from the environment or the token file", async () => {
    for (const token of [TOKEN, "file-token-one", "file-token-two"]) {
      const client = await connectHttp(server.url, token);
      const ps = await callOk<{ count: number }>(client, "podman_ps", { all: true });
      expect(typeof ps.count).toBe("number");
      await client.close();
    }
  });

  it("answers 401 with WWW-Authenticate to a missing or wrong token", async () => {
    for (const authorization of [
      undefined,
      "Bearer wrong-token",
      `Basic ${btoa(`x:${TOKEN}`)}`,
      `Bearer ${TOKEN}x`,
    ]) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { ...mcpHeaders, ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(initialize),
      });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await response.text()).not.toContain(TOKEN);
    }
    await expect(connectHttp(server.url, "wrong-token")).rejects.toThrow();
  });

  it("serves /healthz without a token", async () => {
    const response = await fetch(new URL("/healthz", server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("rejects a foreign Host or Origin on a loopback listener (DNS rebinding)", async () => {
    const headers = { ...mcpHeaders, authorization: `Bearer ${TOKEN}` };
    const foreignOrigin = await fetch(server.url, {
      method: "POST",
      headers: { ...headers, origin: "http://evil.example" },
      body: JSON.stringify(initialize),
    });
    expect(foreignOrigin.status).toBe(403);
    const localOrigin = await fetch(server.url, {
      method: "POST",
      headers: { ...headers, origin: "http://localhost:3000" },
      body: JSON.stringify(initialize),
    });
    expect(localOrigin.status).toBe(200);
    await localOrigin.text();
  });

  it("answers protocol errors with the right status", async () => {
    const headers = { ...mcpHeaders, authorization: `Bearer ${TOKEN}` };
    const unknownSession = await fetch(server.url, {
      method: "POST",
      headers: { ...headers, "mcp-session-id": "no-such-session" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    expect(unknownSession.status).toBe(404);
    const garbage = await fetch(server.url, { method: "POST", headers, body: "{not json" });
    expect(garbage.status).toBe(400);
    expect((await garbage.json()).error.code).toBe(-32700);
    const noSession = await fetch(server.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
    });
    expect(noSession.status).toBe(400);
  });
});

describe("command line", () => {
  it("refuses HTTP without a token", async () => {
    const { code, stderr } = await runBundle(["--listen", "127.0.0.1:0", "--socket", socketUrl()], {
      MCP_PODMAN_TOKEN: "",
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/MCP_PODMAN_TOKEN|--token-file/);
  });

  it("refuses --no-auth on a non-loopback address", async () => {
    const { code, stderr } = await runBundle([
      "--listen",
      "0.0.0.0:0",
      "--no-auth",
      "--socket",
      socketUrl(),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/loopback/);
  });

  it("prints --help and --version", async () => {
    const help = await runBundle(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--listen HOST:PORT/);
    const version = await runBundle(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("rejects a socket that is not a unix URL", async () => {
    const { code, stderr } = await runBundle(["--stdio", "--socket", "tcp://1.2.3.4:80"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unix socket/);
  });
});

describe("HTTPS", () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-tls-"));
    const openssl = (...args: string[]) =>
      execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    );
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    );
    writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      "san.ext",
      "-out",
      "server.pem",
    );
    server = await startHttpServer(
      ["--tls-cert", join(dir, "server.pem"), "--tls-key", join(dir, "server.key")],
      { MCP_PODMAN_TOKEN: TOKEN },
    );
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves MCP over HTTPS to a client that trusts the CA", async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(dir, "ca.pem")) } });
    const trustingFetch = ((url: string | URL, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
      fetch: trustingFetch,
    });
    const client = new Client({ name: "tls-test", version: "1" });
    await client.connect(transport);
    const ps = await callOk<{ count: number }>(client, "podman_ps", {});
    expect(typeof ps.count).toBe("number");
    await client.close();
    await expect(fetch(server.url, { method: "POST" })).rejects.toThrow();
  });

  it("refuses plain HTTP on a non-loopback address unless --insecure-http", async () => {
    const { code, stderr } = await runBundle(["--listen", "0.0.0.0:0", "--socket", socketUrl()], {
      MCP_PODMAN_TOKEN: TOKEN,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--tls-cert/);
  });
});
