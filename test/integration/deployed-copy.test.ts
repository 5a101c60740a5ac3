import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, expect, it } from "vitest";
import { bundle, bundleCommand, callOk, socketUrl } from "./harness.js";

// A build host gets the bundle alone, outside any package.json: the runtime
// must take it for what it is (CommonJS on Node, a module on Deno) and run it.
const directory = mkdtempSync(join(tmpdir(), "mcp-podman-copy-"));
const copy = join(directory, "mcp-podman.js");
copyFileSync(bundle, copy);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it("a copy of the bundle outside the repository serves MCP over stdio", async () => {
  const transport = new StdioClientTransport({
    ...bundleCommand(["--stdio", "--socket", socketUrl()], copy),
    cwd: directory,
    stderr: "ignore",
  });
  const client = new Client({ name: "mcp-podman-tests", version: "1.0.0" });
  await client.connect(transport);
  try {
    expect(client.getServerVersion()?.name).toBe("mcp-podman");
    const { count } = await callOk<{ count: number }>(client, "podman_ps", { all: true });
    expect(count).toBeGreaterThanOrEqual(0);
  } finally {
    await client.close();
  }
});
