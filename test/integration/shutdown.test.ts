import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  bundleCommand,
  socketUrl,
  type RunningServer,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
  MCP_POST_HEADERS,
  initializeRequest,
} from "./harness.js";

/** After SIGTERM: either the listener is already closed, or /mcp answers 503. */
async function expectNewRequestsRefused(server: RunningServer) {
  await expect.poll(() => server.stderr.some((line) => line.includes("shutting down"))).toBe(true);
  const refused = await fetch(server.url, {
    method: "POST",
    headers: MCP_POST_HEADERS,
    body: JSON.stringify(initializeRequest("late")),
  }).catch(() => undefined);
  if (refused) expect(refused.status).toBe(503);
}

const labelFilter = (project: string) =>
  encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));

async function projectContainers(podman: PodmanDirect, project: string) {
  const { body } = await podman.request(
    "GET",
    `/containers/json?all=true&filters=${labelFilter(project)}`,
  );
  return ((body ?? []) as { Names: string[]; State: string }[])
    .map((container) => `${container.Names[0]}:${container.State}`)
    .sort();
}

async function projectNetworks(podman: PodmanDirect, project: string) {
  const { body } = await podman.request("GET", `/networks/json?filters=${labelFilter(project)}`);
  return ((body ?? []) as { name: string }[]).map((network) => network.name).sort();
}

async function removeProject(podman: PodmanDirect, project: string) {
  for (const entry of await projectContainers(podman, project)) {
    const name = entry.slice(0, entry.lastIndexOf(":"));
    await podman.request("DELETE", `/containers/${name}?force=true&v=true&timeout=0`);
  }
  for (const name of await projectNetworks(podman, project)) {
    await podman.request("DELETE", `/networks/${name}`);
  }
}

describe("graceful shutdown", () => {
  const podman = new PodmanDirect();
  const images: string[] = [];
  const projects: string[] = [];
  afterAll(async () => {
    for (const image of images) {
      await podman.request("DELETE", `/images/${encodeURIComponent(image)}?force=true`);
    }
    for (const project of projects) await removeProject(podman, project);
    await podman.cleanup();
  });

  it("lets a running call finish on SIGTERM, refuses new work, and exits 0", async () => {
    const server = await startHttpServer(["--no-auth"]);
    const client = await connectHttp(server.url);
    const name = podman.track(uniqueName("shutdown"));
    await callOk(client, "podman_run", {
      image: testEnv().PODMAN_TEST_IMAGE,
      name,
      command: ["sleep", "600"],
    });

    const running = client.callTool({
      name: "podman_exec",
      arguments: { name, command: ["sh", "-c", "sleep 2; echo finished"] },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    await expect
      .poll(() => server.stderr.some((line) => line.includes("shutting down")))
      .toBe(true);

    const refused = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    }).catch(() => undefined);
    // Either the listener is already closed, or it answers 503.
    if (refused) expect(refused.status).toBe(503);

    const result = await running;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      exit_code: 0,
      stdout: { text: "finished\n" },
    });
    expect(await exited).toBe(0);
  });

  it("finishes a long build that was running on SIGTERM, refuses new work, and exits 0", async () => {
    const server = await startHttpServer(["--no-auth"]);
    const client = await connectHttp(server.url);
    const tag = `localhost/${uniqueName("shutdown-build")}:latest`;
    images.push(tag);
    const steps: string[] = [];
    const building = client.callTool(
      {
        name: "podman_build",
        arguments: {
          tag,
          containerfile: `FROM ${testEnv().PODMAN_TEST_IMAGE}\nRUN sleep 5\n`,
          no_cache: true,
        },
      },
      undefined,
      { onprogress: ({ message }) => steps.push(message ?? "") },
    );
    await expect
      .poll(() => steps.some((step) => step.includes("RUN sleep 5")), { timeout: 30_000 })
      .toBe(true);
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    const signalled = performance.now();
    server.process.kill("SIGTERM");
    await expectNewRequestsRefused(server);

    const result = (await building) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ tags: [tag] });
    expect(await exited).toBe(0);
    console.log(
      `build finished and the server exited ${Math.round(performance.now() - signalled)} ms after SIGTERM`,
    );
    const { status } = await podman.request("GET", `/images/${encodeURIComponent(tag)}/exists`);
    expect(status).toBe(204);
  });

  it("leaves a compose project whole, never half-made, when SIGTERM comes during its up", async () => {
    const server = await startHttpServer(["--no-auth"]);
    const client = await connectHttp(server.url);
    const project = uniqueName("shutdown-cmp");
    projects.push(project);
    const image = testEnv().PODMAN_TEST_IMAGE;
    const content = [
      "services:",
      "  a:",
      `    image: ${image}`,
      '    command: ["sh", "-c", "sleep 4; echo ok > /ready; exec sleep 600"]',
      "    healthcheck:",
      '      test: ["CMD", "cat", "/ready"]',
      "      interval: 1s",
      "      retries: 30",
      "  b:",
      `    image: ${image}`,
      '    command: ["sleep", "600"]',
      "    depends_on:",
      "      a:",
      "        condition: service_healthy",
    ].join("\n");
    const progress: string[] = [];
    const up = client.callTool(
      { name: "podman_compose_up", arguments: { content, project_name: project } },
      undefined,
      { onprogress: ({ message }) => progress.push(message ?? "") },
    );
    await expect
      .poll(() => progress.includes("waiting for a to be healthy"), { timeout: 30_000 })
      .toBe(true);
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    await expectNewRequestsRefused(server);
    const result = (await up) as CallToolResult;
    expect(await exited).toBe(0);

    const containers = await projectContainers(podman, project);
    const networks = await projectNetworks(podman, project);
    console.log(
      `compose up across SIGTERM: ${result.isError ? `failed: ${textOf(result)}` : "completed"}; ` +
        `left containers ${JSON.stringify(containers)}, networks ${JSON.stringify(networks)}`,
    );
    if (result.isError) {
      expect(containers).toEqual([]);
      expect(networks).toEqual([]);
    } else {
      expect(containers).toEqual([`${project}-a-1:running`, `${project}-b-1:running`]);
      expect(networks).toEqual([`${project}_default`]);
    }
  });

  it("shuts down as on SIGHUP when the stdio client closes stdin during a call, and exits 0", async () => {
    const name = podman.track(uniqueName("stdin-end"));
    const command = bundleCommand(["--stdio", "--socket", socketUrl(), "--shutdown-timeout", "1"]);
    const child = spawn(command.command, command.args, { stdio: ["pipe", "pipe", "pipe"] });
    const stderr: string[] = [];
    createInterface({ input: child.stderr }).on("line", (line) => stderr.push(line));
    const answers = new Map<number, unknown>();
    createInterface({ input: child.stdout }).on("line", (line) => {
      const message = JSON.parse(line) as { id?: number };
      if (typeof message.id === "number") answers.set(message.id, message);
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const callTool = (id: number, tool: string, args: object) =>
      send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: tool, arguments: args } });
    try {
      send(initializeRequest("stdin-end"));
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      callTool(2, "podman_run", {
        image: testEnv().PODMAN_TEST_IMAGE,
        name,
        command: ["sleep", "600"],
      });
      await expect.poll(() => answers.has(2), { timeout: 30_000 }).toBe(true);
      callTool(3, "podman_exec", { name, command: ["sleep", "60"] });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const closed = performance.now();
      child.stdin.end();
      expect(await exited).toBe(0);
      expect(performance.now() - closed).toBeLessThan(20_000);
      const shutdown = stderr.find((line) => line.includes("shutting down"));
      expect(shutdown, stderr.join("\n")).toContain("SIGHUP");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("cancels a compose up still waiting at --shutdown-timeout and rolls it back before exiting", async () => {
    const server = await startHttpServer(["--no-auth", "--shutdown-timeout", "1"]);
    const client = await connectHttp(server.url);
    const project = uniqueName("shutdown-rollback");
    projects.push(project);
    const image = testEnv().PODMAN_TEST_IMAGE;
    const content = [
      "services:",
      "  a:",
      `    image: ${image}`,
      '    command: ["sleep", "600"]',
      "    healthcheck:",
      '      test: ["CMD", "false"]',
      "      interval: 1s",
      "      retries: 1000",
      "  b:",
      `    image: ${image}`,
      '    command: ["sleep", "600"]',
      "    depends_on:",
      "      a:",
      "        condition: service_healthy",
    ].join("\n");
    const progress: string[] = [];
    const up = client
      .callTool(
        { name: "podman_compose_up", arguments: { content, project_name: project } },
        undefined,
        { onprogress: ({ message }) => progress.push(message ?? "") },
      )
      .catch((error: unknown) => error);
    await expect
      .poll(() => progress.includes("waiting for a to be healthy"), { timeout: 30_000 })
      .toBe(true);
    expect((await projectContainers(podman, project)).length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    expect(await exited).toBe(0);
    // The session closed under the call: closing the client settles it.
    await client.close().catch(() => undefined);
    await up;
    // The cancelled up removed what it had created before the process exited.
    expect(await projectContainers(podman, project)).toEqual([]);
    expect(await projectNetworks(podman, project)).toEqual([]);
  });
});
