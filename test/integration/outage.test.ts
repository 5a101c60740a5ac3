import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RunningServer,
  call,
  callOk,
  connectHttp,
  startHttpServer,
  textOf,
} from "./harness.js";

const script = join(import.meta.dirname, "..", "env", "podman-test-env.sh");
// Far below the 30 s request timeout: a refused connect must not wait for it.
const FAIL_FAST_BOUND_MS = 5_000;

function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) env[match[1] as string] = (match[2] as string).replace(/^'(.*)'$/, "$1");
  }
  return env;
}

/** Gone, or a zombie nobody reaped yet: either way it no longer serves. */
function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

function stopProcess(pid: number | undefined) {
  if (pid === undefined || hasExited(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // Exited in between.
  }
}

async function waitUntilExited(pid: number | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (pid !== undefined && !hasExited(pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The podman service exactly as podman-test-env.sh's start_podman_service
 * runs it (same store flags, containers.conf, socket, working directory),
 * detached; answers its pid.
 */
function startPodmanService(dir: string): number {
  const log = openSync(join(dir, "podman-service.log"), "a");
  const child = spawn(
    "env",
    [
      `CONTAINERS_CONF=${dir}/containers.conf`,
      "podman",
      "--root",
      `${dir}/root`,
      "--runroot",
      `${dir}/run`,
      "--tmpdir",
      `${dir}/tmp`,
      "--storage-driver",
      "vfs",
      "--network-config-dir",
      `${dir}/networks`,
      "system",
      "service",
      "--time=0",
      `unix://${dir}/podman.sock`,
    ],
    {
      cwd: dir,
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/sbin:/usr/sbin:/sbin` },
    },
  );
  child.unref();
  closeSync(log);
  return child.pid!;
}

describe("when the Podman service goes away and comes back", () => {
  let dir: string;
  let socket: string;
  let podmanPid: number;
  let restartedPid: number | undefined;
  let server: RunningServer | undefined;
  let client: Client | undefined;

  const readyz = async () => {
    const response = await fetch(new URL("/readyz", server!.url));
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-outage-"));
    try {
      execFileSync("bash", [script, "up", dir], { stdio: ["ignore", "ignore", "inherit"] });
    } catch (error) {
      execFileSync("bash", [script, "down", dir], { stdio: "inherit" });
      throw error;
    }
    const env = readEnvFile(join(dir, "env"));
    socket = env.PODMAN_TEST_SOCKET!;
    podmanPid = Number(env.PODMAN_TEST_PID);
    server = await startHttpServer(["--no-auth", "--socket", `unix://${socket}`]);
    client = await connectHttp(server.url);
  });

  afterAll(async () => {
    try {
      await client?.close().catch(() => undefined);
      await server?.stop();
      stopProcess(restartedPid);
      await waitUntilExited(restartedPid, 10_000);
    } finally {
      if (dir) execFileSync("bash", [script, "down", dir], { stdio: "inherit" });
    }
  });

  it("fails fast while it is down, says so on /readyz, and recovers without a restart", async () => {
    const before = await callOk<{ count: number }>(client!, "podman_images", {});
    expect(before.rendered).toContain("localhost/mcp-podman-test/busybox");
    expect((await readyz()).status).toBe(200);

    stopProcess(podmanPid);
    await expect.poll(() => hasExited(podmanPid), { timeout: 15_000 }).toBe(true);

    for (const tool of ["podman_ps", "podman_info"]) {
      const started = performance.now();
      const result = await call(client!, tool, {});
      const elapsed = performance.now() - started;
      console.log(`${tool} failed after ${Math.round(elapsed)} ms with Podman down`);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(`Podman unreachable at ${socket}`);
      expect(elapsed).toBeLessThan(FAIL_FAST_BOUND_MS);
    }

    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe("unavailable");
    expect(down.body.reason).toContain(`Podman unreachable at ${socket}`);

    restartedPid = startPodmanService(dir);
    await expect
      .poll(async () => (await readyz()).status, { timeout: 30_000, interval: 200 })
      .toBe(200);

    const after = await callOk(client!, "podman_images", {});
    expect(after.rendered).toContain("localhost/mcp-podman-test/busybox");
    await callOk(client!, "podman_ps", {});
    const info = await callOk<Record<string, unknown>>(client!, "podman_info", {});
    expect(info.rendered.length).toBeGreaterThan(0);
    expect(server!.process.exitCode).toBeNull();
  });
});
