import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RunningServer,
  connectHttp,
  connectStdio,
  runBundle,
  socketUrl,
  startHttpServer,
  textOf,
} from "./harness.js";

const READER = "reader-token-0001";
const OPERATOR = "operator-token-0002";
const ADMIN = "admin-token-0003";

describe("token scopes", () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-scopes-"));
    const tokenFile = join(dir, "tokens");
    writeFileSync(tokenFile, `${READER} read\n${OPERATOR} operate\n${ADMIN}\n`, { mode: 0o600 });
    server = await startHttpServer(["--token-file", tokenFile]);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows a read token only the read-only tools and refuses the others", async () => {
    const client = await connectHttp(server.url, READER);
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(10);
    for (const tool of tools) expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    const refused = await client.callTool({ name: "podman_run", arguments: { image: "x" } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused as never)).toBe(
      "podman_run needs a token with the operate scope; this one has read.",
    );
    await client.close();
  });

  it("gives an operate token the day-to-day tools but not the admin ones", async () => {
    const client = await connectHttp(server.url, OPERATOR);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(["podman_run", "podman_exec", "podman_compose_up"]),
    );
    for (const admin of ["podman_rmi", "podman_push", "podman_image_prune", "podman_volume_rm"]) {
      expect(names).not.toContain(admin);
    }
    const refused = await client.callTool({ name: "podman_rmi", arguments: { reference: "x" } });
    expect(textOf(refused as never)).toMatch(
      /needs a token with the admin scope; this one has operate/,
    );
    await client.close();
  });

  it("gives an admin token every tool", async () => {
    const client = await connectHttp(server.url, ADMIN);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["podman_rmi", "podman_push", "podman_run"]));
    await client.close();
  });

  it("answers another token's session as unknown", async () => {
    const headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const opened = await fetch(server.url, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        },
      }),
    });
    const sessionId = opened.headers.get("mcp-session-id")!;
    await opened.text();
    const hijack = await fetch(server.url, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${READER}`, "mcp-session-id": sessionId },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    expect(hijack.status).toBe(404);
  });
});

describe("choosing the tools", () => {
  it("serves only the read-only tools with --read-only", async () => {
    const { client, close } = await connectStdio(["--read-only"]);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("podman_ps");
    for (const tool of tools) expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    await close();
  });

  it("serves a family minus a denied tool with --tools and --deny-tools", async () => {
    const { client, close } = await connectStdio([
      "--tools",
      "containers,podman_info",
      "--deny-tools",
      "podman_exec",
    ]);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(
      [
        "podman_info",
        "podman_inspect",
        "podman_logs",
        "podman_ps",
        "podman_read_file",
        "podman_restart",
        "podman_rm",
        "podman_run",
        "podman_start",
        "podman_stop",
        "podman_top",
        "podman_wait",
        "podman_write_files",
      ].sort(),
    );
    await close();
  });

  it("refuses an unknown tool or family by name", async () => {
    const { code, stderr } = await runBundle([
      "--stdio",
      "--socket",
      socketUrl(),
      "--tools",
      "containerz",
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--tools: no tool or family "containerz"/);
  });
});
