// An agent on another host, driven line by line over stdin/stdout (one JSON request a line,
// one JSON answer a line): the deploy test runs it inside its network namespace.
//   { "id": 1, "op": "connect", "token": "..." }
//   { "id": 2, "op": "call", "name": "podman_run", "arguments": { ... } }
//   { "id": 3, "op": "fetch", "url": "https://...", "token": "...", "method": "POST" }
//   { "id": 4, "op": "close" }
import { readFileSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";
import { URL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Agent, fetch } from "undici";

const [url, caFile] = process.argv.slice(2);
const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, "utf8") } });
const tlsFetch = (input, init) => fetch(input, { ...init, dispatcher });
let client;

async function handle(request) {
  switch (request.op) {
    case "connect": {
      await client?.close().catch(() => {});
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        fetch: tlsFetch,
        requestInit: { headers: { Authorization: `Bearer ${request.token}` } },
      });
      client = new Client({ name: "deploy-agent", version: "1.0.0" });
      await client.connect(transport);
      return { tools: (await client.listTools()).tools.length };
    }
    case "call": {
      const result = await client.callTool({ name: request.name, arguments: request.arguments });
      return {
        isError: result.isError ?? false,
        structured: result.structuredContent,
        content: result.content,
      };
    }
    case "fetch": {
      const headers = request.token ? { Authorization: `Bearer ${request.token}` } : {};
      const answer = await tlsFetch(request.url, { method: request.method ?? "GET", headers });
      return { status: answer.status, body: await answer.text() };
    }
    case "close":
      await client?.close();
      client = undefined;
      return {};
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  try {
    process.stdout.write(
      JSON.stringify({ id: request.id, ok: true, result: await handle(request) }) + "\n",
    );
  } catch (error) {
    process.stdout.write(
      JSON.stringify({ id: request.id, ok: false, error: String(error?.stack ?? error) }) + "\n",
    );
  }
}
await client?.close().catch(() => {});
await dispatcher.close();
