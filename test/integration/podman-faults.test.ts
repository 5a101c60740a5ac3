import { mkdtempSync, rmSync } from "node:fs";
import { type Server, type Socket, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleCommand, callError } from "./harness.js";

async function clientFor(socket: string, extra: string[] = []) {
  const client = new Client({ name: "faults", version: "1" });
  await client.connect(
    new StdioClientTransport({
      ...bundleCommand(["--stdio", "--socket", `unix://${socket}`, ...extra]),
      stderr: "ignore",
    }),
  );
  return client;
}

describe("when Podman is not there or does not answer", () => {
  let dir: string;
  let silent: Server;
  const held: Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-faults-"));
    // A socket that accepts and never answers: a hung Podman service.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(join(dir, "silent.sock"), resolve));
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it("names the socket it tried when it is missing", async () => {
    const socket = join(dir, "absent.sock");
    const client = await clientFor(socket);
    const message = await callError(client, "podman_ps", {});
    expect(message).toContain(`Podman unreachable at ${socket}`);
    expect(message).toMatch(/does not exist/);
    await client.close();
  });

  it("says a timed-out request may have completed", async () => {
    const client = await clientFor(join(dir, "silent.sock"), ["--podman-timeout", "1"]);
    const message = await callError(client, "podman_run", {
      image: "localhost/anything:latest",
      name: "never-created",
    });
    expect(message).toMatch(/may have completed: check the state before retrying/);
    await client.close();
  });
});
