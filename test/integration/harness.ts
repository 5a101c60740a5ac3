import { type ChildProcess, spawn } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Agent, fetch } from "undici";
import { expect, inject } from "vitest";

export const bundle = join(import.meta.dirname, "..", "..", "dist", "mcp-podman.js");
const denoBinary = join(import.meta.dirname, "..", "..", "node_modules", ".bin", "deno");

/**
 * MCP_PODMAN_TEST_RUNTIME says what runs the bundle: unset or "node" for the
 * Node running the tests, "nodeNN" for the Node release the
 * "integration-nodeNN" project installed, "deno" for Deno.
 */
const requestedRuntime = process.env.MCP_PODMAN_TEST_RUNTIME || "node";
export const runtime = requestedRuntime === "deno" ? "deno" : "node";

/** The Node binary that runs the bundle when `runtime` is "node". */
export function nodeBinary(): string {
  if (requestedRuntime === "node") return process.execPath;
  const installed = /^node\d+$/.test(requestedRuntime) ? inject("nodeRuntime") : undefined;
  if (!installed) {
    throw new Error(
      `MCP_PODMAN_TEST_RUNTIME=${requestedRuntime}: no such runtime was set up ` +
        "(node, deno, or nodeNN with test/integration/node-runtime-setup.ts as a globalSetup)",
    );
  }
  return installed.binary;
}

export interface BundleOptions {
  /**
   * Tests write their host files (build contexts, compose and kube files)
   * under the system's temporary directory, so a server that serves may read
   * there unless the test gives its own --allow-read, or sets this false to
   * see the server's own default.
   */
  testAllowRead?: boolean;
}

/**
 * What the operator of the test host allows: its temporary directory to read
 * (unless the test says otherwise) and its default network, which the test
 * environment names per run, to join.
 */
function withTestDefaults(args: string[], { testAllowRead = true }: BundleOptions): string[] {
  const serves = args.includes("--stdio") || args.includes("--listen");
  if (!serves) return args;
  const given = (flag: string) => args.some((arg) => arg.startsWith(flag));
  return [
    ...args,
    ...(testAllowRead && !given("--allow-read") ? ["--allow-read", tmpdir()] : []),
    ...(given("--allow-network") ? [] : ["--allow-network", testEnv().PODMAN_TEST_NETWORK]),
  ];
}

/**
 * The command that runs the bundle with `args` on the runtime under test. On
 * Deno it uses the narrow permissions the README documents: read, env, and
 * the Podman socket plus loopback for the network.
 */
export function bundleCommand(
  serverArgs: string[],
  bundlePath = bundle,
  options: BundleOptions = {},
): { command: string; args: string[] } {
  const args = withTestDefaults(serverArgs, options);
  if (runtime === "node") return { command: nodeBinary(), args: [bundlePath, ...args] };
  const socketFlag = args.indexOf("--socket");
  const socketUrl = socketFlag >= 0 ? (args[socketFlag + 1] ?? "") : "";
  const socket = socketUrl.startsWith("unix:///") ? socketUrl.slice("unix://".length) : "";
  const net = [socket && `unix:${socket}`, "libpod", "127.0.0.1", "0.0.0.0"].filter(Boolean);
  const auditFlag = args.indexOf("--audit-log");
  const writable = [socket, auditFlag >= 0 ? args[auditFlag + 1] : ""].filter(Boolean);
  return {
    command: denoBinary,
    args: [
      "run",
      "--allow-env",
      "--allow-read",
      ...(writable.length ? [`--allow-write=${writable.join(",")}`] : []),
      `--allow-net=${net.join(",")}`,
      bundlePath,
      ...args,
    ],
  };
}
export const testEnv = () => inject("podman");
export const socketUrl = () => `unix://${testEnv().PODMAN_TEST_SOCKET}`;

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A unique name per test, so concurrent tests never collide. */
export const uniqueName = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

export type Transport = "stdio" | "http";

export interface Connected {
  client: Client;
  close(): Promise<void>;
}

export const testClient = () => new Client({ name: "mcp-podman-tests", version: "1.0.0" });

/**
 * Connects `client` to a server of its own over `transport` (HTTP without a
 * token, on loopback); answers what closes the client and stops that server.
 */
export async function connectClient(
  client: Client,
  transport: Transport,
  extraArgs: string[] = [],
): Promise<() => Promise<void>> {
  if (transport === "stdio") {
    await client.connect(
      new StdioClientTransport({
        ...bundleCommand(["--stdio", "--socket", socketUrl(), ...extraArgs]),
        stderr: "ignore",
      }),
    );
    return () => client.close();
  }
  const server = await startHttpServer(["--no-auth", ...extraArgs]);
  try {
    await client.connect(httpClientTransport(server.url));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return async () => {
    await client.close();
    await server.stop();
  };
}

export async function connect(transport: Transport, extraArgs: string[] = []): Promise<Connected> {
  const client = testClient();
  return { client, close: await connectClient(client, transport, extraArgs) };
}

export const connectStdio = (extraArgs: string[] = []) => connect("stdio", extraArgs);

const httpClientTransport = (url: string, token?: string) =>
  new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} },
  });

export async function connectHttp(url: string, token?: string): Promise<Client> {
  const client = testClient();
  await client.connect(httpClientTransport(url, token));
  return client;
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  stderr: string[];
  stop(): Promise<void>;
}

/** Starts the bundle listening on a free loopback port; resolves once it serves. */
export function startHttpServer(
  args: string[],
  env: Record<string, string> = {},
  options: BundleOptions = {},
): Promise<RunningServer> {
  const socketGiven = args.includes("--socket");
  const command = bundleCommand(
    ["--listen", "127.0.0.1:0", ...(socketGiven ? [] : ["--socket", socketUrl()]), ...args],
    bundle,
    options,
  );
  const child = spawn(command.command, command.args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const stderr: string[] = [];
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on("line", (line) => {
      stderr.push(line);
      const url = /"url":"([^"]+)"/.exec(line)?.[1];
      if (url) resolve({ url, process: child, stderr, stop });
    });
    child.once("exit", (code) =>
      reject(new Error(`server exited with ${code} before listening:\n${stderr.join("\n")}`)),
    );
  });
}

/** Runs a child to completion and answers its exit code and stderr. */
export function runBundle(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const command = bundleCommand(args);
    const child = spawn(command.command, command.args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The headers a Streamable HTTP client sends with each POST to /mcp. */
export const MCP_POST_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** An MCP initialize request, as a raw HTTP client sends it. */
export const initializeRequest = (clientName = "t") => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: clientName, version: "1" },
  },
});

export async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** Calls a tool that must succeed: its structured result, plus the text rendering as `rendered`. */
export async function callOk<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T & { rendered: string }> {
  const result = await call(client, name, args);
  const rendered = textOf(result);
  expect(result.isError, `${name} failed: ${rendered}`).toBeFalsy();
  return { ...(result.structuredContent as T), rendered };
}

/** Calls a tool that must fail and answers its one-sentence message. */
export async function callError(client: Client, name: string, args: Record<string, unknown>) {
  const result = await call(client, name, args);
  const text = textOf(result);
  expect(result.isError, `${name} should have failed but said: ${text}`).toBe(true);
  expect(text).not.toMatch(/\n\s+at /);
  return text;
}

export const textOf = (result: CallToolResult) =>
  result.content.map((part) => (part.type === "text" ? part.text : "")).join("");

/**
 * Direct access to the isolated Podman for assertions and cleanup, never
 * through the server under test.
 */
export class PodmanDirect {
  readonly #dispatcher = new Agent({ connect: { socketPath: testEnv().PODMAN_TEST_SOCKET } });
  readonly #created = new Set<string>();

  async request(method: string, path: string, body?: unknown) {
    const response = await fetch(`http://podman/v4.0.0/libpod${path}`, {
      method,
      dispatcher: this.#dispatcher,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /**
   * Whether this Podman drops resource limits: rootless on cgroups v1 it has no cgroup of its
   * own to put them in, and creates the container without them, with a warning.
   */
  async ignoresResourceLimits(): Promise<boolean> {
    const { body } = await this.request("GET", "/info");
    return body.host.security.rootless === true && body.host.cgroupVersion === "v1";
  }

  /** Registers a container (name or id) to remove after the tests, whatever happens. */
  track(nameOrId: string) {
    this.#created.add(nameOrId);
    return nameOrId;
  }

  async exists(nameOrId: string) {
    return (
      (await this.request("GET", `/containers/${encodeURIComponent(nameOrId)}/exists`)).status ===
      204
    );
  }

  async state(nameOrId: string): Promise<string> {
    const { body } = await this.request("GET", `/containers/${encodeURIComponent(nameOrId)}/json`);
    return body.State.Status;
  }

  async cleanup() {
    for (const nameOrId of this.#created) {
      await this.request(
        "DELETE",
        `/containers/${encodeURIComponent(nameOrId)}?force=true&v=true&timeout=0`,
      );
    }
    this.#created.clear();
    await this.#dispatcher.close();
  }
}
