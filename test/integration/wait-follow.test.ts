import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  type Transport,
  bundleCommand,
  callError,
  callOk,
  connectHttp,
  freePort,
  socketUrl,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

const image = () => testEnv().PODMAN_TEST_IMAGE;
const IDLE = ["sleep", "600"];

interface WaitResult {
  met: boolean;
  outcome: "met" | "timeout" | "impossible";
  detail: string;
  elapsed_ms: number;
  state: string;
  exit_code?: number;
  health?: string;
  address?: string;
  http_status?: number;
  matched_line?: string;
  logs?: { text: string; lines: number };
}

interface FollowedLogs {
  text: string;
  follow: { stopped: string; matched_line?: string; streamed_lines: number; followed_ms: number };
}

/**
 * The server's open connections to Podman's socket: its own ends (ss -xp, by
 * pid) whose peer is a connection Podman accepted on the socket.
 */
function podmanConnections(pid: number): number {
  const accepted = new Set(
    execFileSync("ss", ["-xH", "src", testEnv().PODMAN_TEST_SOCKET], { encoding: "utf8" })
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[7])
      .filter(Boolean),
  );
  return execFileSync("ss", ["-xpH"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(`pid=${pid},`))
    .filter((line) => accepted.has(line.trim().split(/\s+/)[5]!)).length;
}

/** Polls until `check` holds, for at most `ms`; answers how long it took. */
async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

/** A client connected to its own server, whose pid the test knows. */
async function serve(transport: Transport): Promise<{
  client: Client;
  pid: number;
  close(): Promise<void>;
}> {
  if (transport === "http") {
    const server = await startHttpServer(["--no-auth"]);
    const client = await connectHttp(server.url);
    return {
      client,
      pid: server.process.pid!,
      close: async () => {
        await client.close();
        await server.stop();
      },
    };
  }
  const stdio = new StdioClientTransport({
    ...bundleCommand(["--stdio", "--socket", socketUrl()]),
    stderr: "ignore",
  });
  const client = new Client({ name: "mcp-podman-tests", version: "1.0.0" });
  await client.connect(stdio);
  return { client, pid: stdio.pid!, close: () => client.close() };
}

describe.each<Transport>(["stdio", "http"])("waiting and following over %s", (transport) => {
  const podman = new PodmanDirect();
  let connection: Awaited<ReturnType<typeof serve>>;
  let client: Client;

  beforeAll(async () => {
    connection = await serve(transport);
    client = connection.client;
  });
  afterAll(async () => {
    await podman.cleanup();
    await connection?.close();
  });

  /** Calls a tool collecting its progress notifications, each with the time it arrived. */
  async function withProgress<T>(name: string, args: Record<string, unknown>) {
    const progress: (Progress & { at: number })[] = [];
    const result = (await client.callTool({ name, arguments: args }, undefined, {
      onprogress: (update) => progress.push({ ...update, at: Date.now() }),
      timeout: 120_000,
    })) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    return {
      result: result.structuredContent as T,
      text: textOf(result),
      progress,
      at: Date.now(),
    };
  }

  async function run(args: Record<string, unknown>) {
    const name = podman.track(uniqueName("wait"));
    await callOk(client, "podman_run", { image: image(), name, ...args });
    return name;
  }

  it("answers healthy about when the server turns healthy, not at the timeout", async () => {
    const name = await run({
      command: ["sh", "-c", "sleep 3; echo > /ready; echo ready; exec sleep 600"],
      healthcheck: { test: ["CMD", "cat", "/ready"], interval: "1s" },
    });
    const { result, text, progress } = await withProgress<WaitResult>("podman_wait", {
      name,
      condition: "healthy",
      timeout: 60,
    });
    expect(result).toMatchObject({ met: true, outcome: "met", health: "healthy" });
    expect(result.elapsed_ms).toBeGreaterThan(2000);
    expect(result.elapsed_ms).toBeLessThan(10_000);
    expect(text).toMatch(new RegExp(`^${name}: healthy \\(after \\d+\\.\\d s\\)`));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]!.message).toMatch(/^waiting for healthy: /);
    expect(progress[0]!.total).toBe(60);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    }
    const inspect = await podman.request("GET", `/containers/${name}/json`);
    expect(inspect.body.State.Health?.Status ?? inspect.body.State.Healthcheck?.Status).toBe(
      "healthy",
    );
  });

  it("waits for a container to exit and answers its exit code", async () => {
    const name = await run({ command: ["sh", "-c", "sleep 1; echo done; exit 3"] });
    const waited = await callOk<WaitResult>(client, "podman_wait", { name, condition: "exited" });
    expect(waited).toMatchObject({ met: true, exit_code: 3, state: "exited" });
    expect(waited.elapsed_ms).toBeGreaterThan(300);
    expect(waited.rendered).toMatch(/exited with code 3/);

    const removed = await run({ command: ["sh", "-c", "sleep 1; exit 4"], remove: true });
    const gone = await callOk<WaitResult>(client, "podman_wait", {
      name: removed,
      condition: "exited",
    });
    expect(gone).toMatchObject({ met: true, exit_code: 4, state: "removed" });
  });

  it("waits for a published port to accept TCP, then for an HTTP status on it", async () => {
    const port = await freePort();
    const name = await run({
      command: ["sh", "-c", "sleep 2; exec httpd -f -p 80 -h /bin"],
      ports: [`127.0.0.1:${port}:80`],
    });
    const open = await callOk<WaitResult>(client, "podman_wait", { name, condition: "port" });
    expect(open).toMatchObject({ met: true, address: `127.0.0.1:${port}->80/tcp` });
    expect(open.elapsed_ms).toBeGreaterThan(1000);

    const served = await callOk<WaitResult>(client, "podman_wait", {
      name,
      condition: "http",
      port,
      path: "/busybox",
    });
    expect(served).toMatchObject({ met: true, http_status: 200 });
    const missing = await callOk<WaitResult>(client, "podman_wait", {
      name,
      condition: "http",
      port: 80,
      path: "/no-such-file",
      status: 404,
    });
    expect(missing).toMatchObject({ met: true, http_status: 404 });
    expect(missing.rendered).toContain(`GET http://127.0.0.1:${port}/no-such-file answered 404`);
  });

  it("probes only ports the container publishes, and only paths", async () => {
    const port = await freePort();
    const name = await run({ command: IDLE, ports: [`127.0.0.1:${port}:80`] });
    expect(await callError(client, "podman_wait", { name, condition: "port", port: 22 })).toBe(
      `Port 22 is not one the container publishes (127.0.0.1:${port}->80/tcp).`,
    );
    for (const path of ["@127.0.0.2/", "http://127.0.0.2/", "//127.0.0.2/x", "/a b"]) {
      expect(await callError(client, "podman_wait", { name, condition: "http", path })).toMatch(
        /^Path (must be an absolute path|may hold no spaces)/,
      );
    }
    const unpublished = await run({ command: IDLE });
    expect(
      await callError(client, "podman_wait", { name: unpublished, condition: "port" }),
    ).toMatch(/^The container publishes no TCP port/);
    expect(await callError(client, "podman_wait", { name, condition: "log" })).toBe(
      'Condition "log" needs a pattern.',
    );
    expect(await callError(client, "podman_wait", { name, condition: "running", path: "/" })).toBe(
      'Condition "running" takes no path.',
    );
  });

  it("answers at once, with the reason and the last log lines, when it can never come true", async () => {
    const port = await freePort();
    const name = await run({
      command: ["sh", "-c", "echo starting; echo 'fatal: no config file' >&2; exit 1"],
      ports: [`127.0.0.1:${port}:80`],
      healthcheck: { test: ["CMD", "true"], interval: "1s" },
    });
    for (const condition of ["healthy", "http", "port", "log", "running"]) {
      const args = condition === "log" ? { pattern: "listening" } : {};
      const started = Date.now();
      const waited = await callOk<WaitResult>(client, "podman_wait", {
        name,
        condition,
        timeout: 60,
        ...args,
      });
      expect(Date.now() - started, condition).toBeLessThan(5000);
      expect(waited, condition).toMatchObject({ met: false, outcome: "impossible", exit_code: 1 });
      expect(waited.detail, condition).toMatch(/^it exited with code 1/);
      expect(waited.logs?.text, condition).toContain("fatal: no config file");
      expect(waited.rendered, condition).toContain(`cannot become ${condition}`);
    }
  });

  it("times out with what it saw when the condition does not come in time", async () => {
    const name = await run({ command: IDLE });
    const waited = await callOk<WaitResult>(client, "podman_wait", {
      name,
      condition: "log",
      pattern: "never printed",
      timeout: 2,
    });
    expect(waited).toMatchObject({ met: false, outcome: "timeout", state: "running" });
    expect(waited.elapsed_ms).toBeGreaterThanOrEqual(1900);
    expect(waited.elapsed_ms).toBeLessThan(4000);
    expect(waited.detail).toBe("no log line matched within 2 s: no matching line yet");
  });

  it("follows logs until a line appears, the lines streamed in order as progress", async () => {
    const name = await run({
      command: [
        "sh",
        "-c",
        // Quiet at first, so the follow is under way before the first line, even on a busy host.
        "sleep 3; for i in 1 2 3 4 5 6; do echo step $i; sleep 0.3; done; echo listening on 8080; exec sleep 600",
      ],
    });
    const { result, text, progress, at } = await withProgress<FollowedLogs>("podman_logs", {
      name,
      follow: true,
      until_match: "listening on \\d+",
      follow_seconds: 30,
    });
    const expected = [1, 2, 3, 4, 5, 6].map((i) => `step ${i}`).concat("listening on 8080");
    expect(result.follow).toMatchObject({
      stopped: "until_match",
      matched_line: "listening on 8080",
      streamed_lines: expected.length,
    });
    expect(result.text.split("\n")).toEqual(expected);
    expect(text).toMatch(/^\[followed \d+\.\d s: stopped at the line matching until_match/);
    // The SDK's client runs notification handlers a microtask later than it settles the call,
    // so the last notification, sent just before the answer, may be dropped on its side.
    const streamed = progress.flatMap((update) => update.message!.split("\n"));
    expect(streamed.length).toBeGreaterThanOrEqual(expected.length - 1);
    expect(streamed).toEqual(expected.slice(0, streamed.length));
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    }
    // Streamed as the container wrote them: the first lines came well before the answer.
    expect(progress.length).toBeGreaterThan(1);
    expect(at - progress[0]!.at).toBeGreaterThan(800);
  });

  it("follows for follow_seconds, and stops when the container's log ends", async () => {
    const idle = await run({ command: ["sh", "-c", "echo hello; exec sleep 600"] });
    const timed = await callOk<FollowedLogs>(client, "podman_logs", {
      name: idle,
      follow_seconds: 2,
    });
    expect(timed.follow).toMatchObject({ stopped: "follow_seconds" });
    expect(timed.follow.followed_ms).toBeGreaterThanOrEqual(1900);
    expect(timed.text).toBe("hello");

    const brief = await run({ command: ["sh", "-c", "sleep 1; echo bye"] });
    const ended = await callOk<FollowedLogs>(client, "podman_logs", {
      name: brief,
      follow: true,
      follow_seconds: 30,
    });
    expect(ended.follow).toMatchObject({ stopped: "ended" });
    expect(ended.follow.followed_ms).toBeLessThan(10_000);
    expect(ended.text).toBe("bye");
  });

  it("follows a pod's containers, their lines tagged", async () => {
    const pod = uniqueName("follow-pod");
    try {
      await callOk(client, "podman_pod_create", { name: pod });
      const member = await run({
        pod,
        command: ["sh", "-c", "sleep 1; echo pod member up; exec sleep 600"],
      });
      const followed = await callOk<FollowedLogs>(client, "podman_pod_logs", {
        name: pod,
        until_match: "member up",
      });
      expect(followed.follow).toMatchObject({
        stopped: "until_match",
        matched_line: `${member} | pod member up`,
      });
    } finally {
      // Killed first: a pod removal would give sleep, which ignores SIGTERM, its 10 s.
      await podman.request("POST", `/pods/${pod}/kill`);
      await podman.request("DELETE", `/pods/${pod}?force=true`);
    }
  });

  /** Starts a call, lets it get going, cancels it; answers how long the call took to end. */
  async function cancelMidway(name: string, args: Record<string, unknown>, afterMs: number) {
    const controller = new AbortController();
    const progress: Progress[] = [];
    const pending = client.callTool({ name, arguments: args }, undefined, {
      signal: controller.signal,
      onprogress: (update) => progress.push(update),
      timeout: 120_000,
    });
    const outcome = pending.then(
      () => "answered",
      () => "cancelled",
    );
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    const during = podmanConnections(connection.pid);
    const cancelledAt = Date.now();
    controller.abort();
    expect(await outcome).toBe("cancelled");
    // The server closes its request to Podman: one connection fewer, at once.
    const closedIn = await within(2000, () => podmanConnections(connection.pid) < during);
    return { during, closedIn, progress, endedIn: Date.now() - cancelledAt };
  }

  it("cancels a follow at once, its Podman request closed and no exec left", async () => {
    const name = await run({
      command: ["sh", "-c", "while true; do echo tick; sleep 0.2; done"],
    });
    const { during, closedIn, progress } = await cancelMidway(
      "podman_logs",
      { name, follow: true, follow_seconds: 60 },
      1500,
    );
    expect(during).toBeGreaterThanOrEqual(1);
    expect(closedIn).toBeLessThan(1000);
    expect(progress.length).toBeGreaterThan(0);
    const inspect = await podman.request("GET", `/containers/${name}/json`);
    expect(inspect.body.ExecIDs ?? []).toEqual([]);
    // The session goes on answering.
    const ps = await callOk<{ containers: unknown[] }>(client, "podman_ps", { filters: { name } });
    expect(ps.containers).toHaveLength(1);
  });

  it("cancels a wait at once: for an exit, and for health with its checks running", async () => {
    const idle = await run({ command: IDLE });
    const exit = await cancelMidway("podman_wait", { name: idle, condition: "exited" }, 1500);
    expect(exit.during).toBeGreaterThanOrEqual(1);
    expect(exit.closedIn).toBeLessThan(1000);
    expect(await podman.state(idle)).toBe("running");

    const sick = await run({
      command: IDLE,
      healthcheck: { test: ["CMD", "cat", "/never"], interval: "1s" },
    });
    const controller = new AbortController();
    const pending = client
      .callTool(
        { name: "podman_wait", arguments: { name: sick, condition: "healthy" } },
        undefined,
        {
          signal: controller.signal,
        },
      )
      .then(
        () => "answered",
        () => "cancelled",
      );
    await new Promise((resolve) => setTimeout(resolve, 2500));
    controller.abort();
    expect(await pending).toBe("cancelled");
    // A check already running ends by itself in milliseconds; none is started after the cancel.
    await within(2000, async () => {
      const inspect = await podman.request("GET", `/containers/${sick}/json`);
      return (inspect.body.ExecIDs ?? []).length === 0;
    });
    const streak = async () => {
      const { body } = await podman.request("GET", `/containers/${sick}/json`);
      return (body.State.Health ?? body.State.Healthcheck).FailingStreak as number;
    };
    const after = await streak();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await streak()).toBe(after);
  });
});

describe("waiting and following need a container the caller may change", () => {
  const READER = "wait-reader-token-01";
  const OPERATOR = "wait-operator-token-02";
  const podman = new PodmanDirect();
  const foreign = uniqueName("foreign-wait");
  const port = freePort();
  let dir: string;
  let server: RunningServer;
  let reader: Client;
  let operator: Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-wait-"));
    const tokens = join(dir, "tokens");
    writeFileSync(tokens, `${READER} read\n${OPERATOR} operate\n`, { mode: 0o600 });
    server = await startHttpServer(["--token-file", tokens]);
    reader = await connectHttp(server.url, READER);
    operator = await connectHttp(server.url, OPERATOR);
    podman.track(foreign);
    const hostPort = await port;
    const created = await podman.request("POST", "/containers/create", {
      image: image(),
      name: foreign,
      command: ["sh", "-c", "echo secret-ish line; exec httpd -f -p 80 -h /bin"],
      portmappings: [{ host_ip: "127.0.0.1", host_port: hostPort, container_port: 80 }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await podman.request("POST", `/containers/${foreign}/start`);
  });
  afterAll(async () => {
    await reader?.close();
    await operator?.close();
    await server?.stop();
    await podman.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to wait on or follow a container mcp-podman did not create, for read and operate tokens", async () => {
    const refusal = (token: string) =>
      new RegExp(`^The container "${foreign}" was not created by mcp-podman: an ${token} token`);
    for (const client of [reader, operator]) {
      for (const condition of ["running", "port", "http", "log", "exited"]) {
        const args = condition === "log" ? { pattern: "x" } : {};
        const text = await callError(client, "podman_wait", { name: foreign, condition, ...args });
        expect(text, condition).toMatch(refusal("operate"));
      }
      for (const args of [{ follow: true }, { until_match: "x" }, { follow_seconds: 5 }]) {
        const text = await callError(client, "podman_logs", { name: foreign, ...args });
        expect(text).toMatch(refusal("operate"));
      }
    }
  });

  it("lets a read token wait on a container the server created", async () => {
    const name = podman.track(uniqueName("own-wait"));
    await callOk(operator, "podman_run", { image: image(), name, command: IDLE });
    const waited = await callOk<WaitResult>(reader, "podman_wait", {
      name,
      condition: "running",
    });
    expect(waited.met).toBe(true);
    const tools = (await reader.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain("podman_wait");
  });
});
