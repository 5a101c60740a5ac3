import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CallToolResult,
  ListToolsResultSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { Agent, fetch as undiciFetch } from "undici";
import { type Launch, describeLaunch, endProcess, trackProcess } from "./launch.js";
import { CountedStdioTransport } from "./wire-bytes.js";

export interface McpSession {
  client: Client;
  close(): Promise<void>;
}

export interface StdioSession extends McpSession {
  pid: number;
}

export interface CountedSession extends StdioSession {
  wire: CountedStdioTransport;
}

const clientInfo = { name: "mcp-podman-bench", version: "1.0.0" };

/** The last lines a server wrote to stderr, to explain why it failed. */
class RecentOutput {
  #text = "";
  add(chunk: Buffer | string) {
    this.#text = (this.#text + chunk.toString()).slice(-4000);
  }
  toString() {
    return this.#text;
  }
}

export function openStdioSession(
  launch: Launch,
  env: Record<string, string>,
): Promise<StdioSession> {
  const transport = new StdioClientTransport({ ...launch, env, stderr: "pipe" });
  const stderr = new RecentOutput();
  transport.stderr?.on("data", (chunk: Buffer) => stderr.add(chunk));
  return connectStdio(launch, transport, stderr);
}

/** A session whose bytes on the wire are counted both ways, from the first message on. */
export async function openCountedStdioSession(
  launch: Launch,
  env: Record<string, string>,
): Promise<CountedSession> {
  const wire = new CountedStdioTransport(launch, env);
  const stderr = new RecentOutput();
  wire.onstderr = (chunk) => stderr.add(chunk);
  return { ...(await connectStdio(launch, wire, stderr)), wire };
}

async function connectStdio(
  launch: Launch,
  transport: Transport & { pid?: number | null },
  stderr: RecentOutput,
): Promise<StdioSession> {
  const client = new Client(clientInfo);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(
      `${describeLaunch(launch)} did not initialize: ${(error as Error).message}\n${stderr}`,
    );
  }
  const pid = transport.pid as number;
  const untrack = trackProcess(pid, () => void client.close());
  return {
    client,
    pid,
    async close() {
      await client.close();
      untrack();
    },
  };
}

export interface HttpServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a Streamable HTTP server; resolves once it logs the URL it serves. */
export function startHttpServer(launch: Launch, env: Record<string, string>): Promise<HttpServer> {
  const child = spawn(launch.command, launch.args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const untrack = trackProcess(child.pid ?? -1, () => child.kill("SIGTERM"));
  const stderr = new RecentOutput();
  const stop = async () => {
    await endProcess(child, "SIGTERM");
    untrack();
  };
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stderr }).on("line", (line) => {
      stderr.add(`${line}\n`);
      const url = /"url":"([^"]+)"/.exec(line)?.[1];
      if (url) resolve({ url, pid: child.pid as number, stop });
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(
        new Error(`${describeLaunch(launch)} exited with ${code} before listening:\n${stderr}`),
      ),
    );
  });
}

/** One MCP session over Streamable HTTP with a connection pool of its own, like a separate client. */
export async function openHttpSession(url: string, token: string): Promise<McpSession> {
  const pool = new Agent();
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: ((input: string | URL, init?: RequestInit) =>
      undiciFetch(input, {
        ...(init as Parameters<typeof undiciFetch>[1]),
        dispatcher: pool,
      })) as unknown as typeof fetch,
  });
  const client = new Client(clientInfo);
  await client.connect(transport);
  return {
    client,
    async close() {
      // DELETE ends the session on the server too, not only on our side.
      await transport.terminateSession().catch(() => undefined);
      await client.close();
      await pool.close();
    },
  };
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A call that must succeed: an error answer would be measured as a fast success otherwise. */
export async function callToolOk(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const result = await callTool(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return result;
}

export const textOf = (result: CallToolResult) =>
  result.content.map((part) => (part.type === "text" ? part.text : "")).join("");

export interface AnswerSize {
  textBytes: number;
  structuredBytes: number;
}

export function answerSize(result: CallToolResult): AnswerSize {
  return {
    textBytes: Buffer.byteLength(textOf(result)),
    structuredBytes:
      result.structuredContent === undefined
        ? 0
        : Buffer.byteLength(JSON.stringify(result.structuredContent)),
  };
}

/** tools/list without Client.listTools: that would make the client validate every answer, slowing theirs only. */
export async function listAllTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.request(
      { method: "tools/list", params: cursor ? { cursor } : {} },
      ListToolsResultSchema,
    );
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}
