import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { PodmanDirect, callError, callOk, testEnv, uniqueName, freePort } from "./harness.js";
import { describeOverTransports } from "./over-transports.js";

interface RunResult {
  id: string;
  name: string;
  state: string;
  ports: string[];
  exit_code?: number;
  still_running?: boolean;
  removed?: boolean;
  warnings?: string[];
  logs?: { text: string; lines: number; truncated: boolean };
}

describeOverTransports("containers over %s", { args: ["--allow-bind", tmpdir()] }, ({ client }) => {
  const podman = new PodmanDirect();
  const image = () => testEnv().PODMAN_TEST_IMAGE;

  afterAll(async () => {
    await podman.cleanup();
  });

  it("runs a web server whose published port answers, then manages it to its removal", async () => {
    const name = podman.track(uniqueName("web"));
    const port = await freePort();
    const run = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name,
      command: ["httpd", "-f", "-v", "-p", "80", "-h", "/bin"],
      ports: [`127.0.0.1:${port}:80`],
      labels: { "test.story": "web" },
    });
    expect(run).toMatchObject({ name, state: "running" });
    expect(run.ports).toContain(`127.0.0.1:${port}->80/tcp`);

    const answer = await fetch(`http://127.0.0.1:${port}/busybox`);
    expect(answer.status).toBe(200);
    await answer.arrayBuffer();

    const ps = await callOk<{ containers: { name: string; ports: string[]; state: string }[] }>(
      client,
      "podman_ps",
      { filters: { label: ["test.story=web"], name } },
    );
    expect(ps.containers).toHaveLength(1);
    expect(ps.containers[0]).toMatchObject({ name, state: "running" });
    expect(ps.rendered).toContain(`${port}->80/tcp`);

    const inspect = await callOk<{ inspect: Record<string, unknown> }>(client, "podman_inspect", {
      name,
      fields: ["State.Status", "Config.Labels"],
    });
    expect(inspect.inspect["State.Status"]).toBe("running");
    expect(inspect.inspect["Config.Labels"]).toMatchObject({ "test.story": "web" });

    const exec = await callOk<{ exit_code: number; stdout: { text: string } }>(
      client,
      "podman_exec",
      { name, command: ["wget", "-q", "-O", "-", "http://127.0.0.1/sh"], max_bytes: 1024 },
    );
    expect(exec.exit_code).toBe(0);

    const stopped = await callOk<{ changed: boolean; state: string }>(client, "podman_stop", {
      name,
      timeout: 1,
    });
    expect(stopped).toMatchObject({ changed: true });
    expect(await podman.state(name)).toBe("exited");

    const again = await callOk<{ changed: boolean; message: string }>(client, "podman_stop", {
      name,
    });
    expect(again.changed).toBe(false);
    expect(again.message).toMatch(/already stopped/);

    const started = await callOk<{ state: string }>(client, "podman_start", { name });
    expect(started.state).toBe("running");
    const restarted = await callOk<{ state: string }>(client, "podman_restart", {
      name,
      timeout: 1,
    });
    expect(restarted.state).toBe("running");

    const refused = await callError(client, "podman_rm", { name });
    expect(refused).toMatch(/running|force/i);
    expect(await podman.exists(name)).toBe(true);

    const removed = await callOk<{ removed: string[] }>(client, "podman_rm", {
      name,
      force: true,
      timeout: 0,
    });
    expect(removed.removed).toEqual([run.id]);
    expect(await podman.exists(name)).toBe(false);
  });

  it("runs to completion with detach=false and answers exit code and logs", async () => {
    const name = podman.track(uniqueName("job"));
    const run = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name,
      command: ["sh", "-c", "echo starting; echo problem >&2; echo done; exit 3"],
      detach: false,
      timeout: 30,
    });
    expect(run.exit_code).toBe(3);
    expect(run.logs?.text.split("\n").sort()).toEqual(["done", "problem", "starting"]);
    expect(await podman.exists(name)).toBe(true);

    const removedJob = podman.track(uniqueName("job-rm"));
    const transient = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name: removedJob,
      command: ["echo", "bye"],
      detach: false,
      remove: true,
    });
    expect(transient).toMatchObject({ exit_code: 0, removed: true });
    expect(transient.logs?.text).toBe("bye");
    expect(await podman.exists(removedJob)).toBe(false);
  });

  it("lists the processes of a running container, bounded, its secrets hidden", async () => {
    const name = podman.track(uniqueName("top"));
    const secret = "top-secret-value-4711";
    await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name,
      env: { API_TOKEN: secret },
      command: ["sh", "-c", "sleep 601 & sleep 602 & wait", secret],
    });
    const top = await callOk<{ titles: string[]; processes: string[][]; total: number }>(
      client,
      "podman_top",
      { name },
    );
    expect(top.titles).toEqual(expect.arrayContaining(["PID", "COMMAND"]));
    const commands = top.processes.map((row) => row[top.titles.indexOf("COMMAND")]);
    expect(commands).toEqual(expect.arrayContaining(["sleep 601", "sleep 602"]));
    expect(top.total).toBe(3);
    expect(JSON.stringify(top)).not.toContain(secret);
    expect(JSON.stringify(top)).toContain("<hidden");

    const chosen = await callOk<{ titles: string[]; processes: string[][]; truncated: boolean }>(
      client,
      "podman_top",
      { name, ps_args: ["pid", "args"], limit: 1 },
    );
    expect(chosen.titles).toEqual(["PID", "COMMAND"]);
    expect(chosen.processes).toHaveLength(1);
    expect(chosen.truncated).toBe(true);
    expect(chosen.rendered).toContain("(1 of 3 processes of");

    expect(await callError(client, "podman_top", { name, ps_args: ["aux"] })).toMatch(
      /^Invalid arguments for podman_top: ps_args\.0: /,
    );
    expect(await callError(client, "podman_top", { name: uniqueName("missing") })).toMatch(
      /no such container/i,
    );
  });

  it("answers a still-running container when detach=false times out", async () => {
    const name = podman.track(uniqueName("slow"));
    const run = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name,
      command: ["sh", "-c", "echo waiting; sleep 30"],
      detach: false,
      timeout: 1,
    });
    expect(run.still_running).toBe(true);
    expect(run.state).toBe("running");
    expect(run.logs?.text).toBe("waiting");
  });

  it("applies the run configuration: env, volumes, limits, user, workdir, restart and healthcheck", async () => {
    const name = podman.track(uniqueName("configured"));
    const volume = uniqueName("vol");
    const hostDir = mkdtempSync(join(tmpdir(), "mcp-podman-bind-"));
    writeFileSync(join(hostDir, "greeting"), "hello from the host\n");
    chmodSync(hostDir, 0o755); // the container runs as uid 1234
    try {
      const run = await callOk<RunResult>(client, "podman_run", {
        image: image(),
        name,
        command: ["sh", "-c", "cat /host/greeting; echo $GREETING; pwd; id -u"],
        env: { GREETING: "hi there" },
        volumes: [`${volume}:/data`, `${hostDir}:/host:ro`],
        memory: "64m",
        cpus: 0.5,
        user: "1234",
        workdir: "/bin",
        restart_policy: "on-failure:2",
        healthcheck: { test: ["CMD", "true"], interval: "30s", retries: 2, timeout: "3s" },
        detach: false,
      });
      expect(run.exit_code).toBe(0);
      expect(run.logs?.text).toBe(["hello from the host", "hi there", "/bin", "1234"].join("\n"));

      const inspect = await callOk<{ inspect: Record<string, unknown> }>(client, "podman_inspect", {
        name,
        fields: [
          "HostConfig.Memory",
          "HostConfig.CpuQuota",
          "HostConfig.RestartPolicy",
          "Config.User",
          "Config.WorkingDir",
          "Config.Healthcheck.Test",
          "Mounts",
        ],
      });
      if (await podman.ignoresResourceLimits()) {
        // The agent is told, in the result and in its text, that the limits were not applied.
        const ignored = /resource limits are not supported and ignored/i;
        expect(run.warnings).toEqual([expect.stringMatching(ignored)]);
        expect(run.rendered).toMatch(new RegExp(`warning: ${ignored.source}`, "i"));
        expect(inspect.inspect["HostConfig.Memory"]).toBe(0);
        expect(inspect.inspect["HostConfig.CpuQuota"]).toBe(0);
      } else {
        expect(run.warnings).toBeUndefined();
        expect(inspect.inspect["HostConfig.Memory"]).toBe(64 * 1024 * 1024);
        expect(inspect.inspect["HostConfig.CpuQuota"]).toBe(50000);
      }
      expect(inspect.inspect["HostConfig.RestartPolicy"]).toMatchObject({
        Name: "on-failure",
        MaximumRetryCount: 2,
      });
      expect(inspect.inspect["Config.User"]).toBe("1234");
      expect(inspect.inspect["Config.WorkingDir"]).toBe("/bin");
      expect(inspect.inspect["Config.Healthcheck.Test"]).toEqual(["CMD", "true"]);
      const mounts = inspect.inspect.Mounts as {
        Type: string;
        Name?: string;
        Source: string;
        RW: boolean;
      }[];
      expect(mounts.find((m) => m.Type === "volume")?.Name).toBe(volume);
      expect(mounts.find((m) => m.Type === "bind")).toMatchObject({ Source: hostDir, RW: false });
    } finally {
      // Directly, so the cleanup does not depend on the server under test (the container is tracked).
      rmSync(hostDir, { recursive: true, force: true });
      await podman.request("DELETE", `/containers/${name}?force=true&timeout=0`);
      await podman.request("DELETE", `/volumes/${volume}?force=true`);
    }
  });

  it("accepts object and array arguments sent as JSON-encoded strings", async () => {
    const name = podman.track(uniqueName("json-args"));
    const run = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name,
      command: JSON.stringify(["sh", "-c", "echo $FOO"]),
      env: JSON.stringify({ FOO: "bar" }),
      labels: '{"test.story":"json"}',
      healthcheck: JSON.stringify({ test: ["CMD", "true"] }),
      detach: false,
    });
    expect(run.logs?.text).toBe("bar");
    const ps = await callOk<{ containers: { name: string }[] }>(client, "podman_ps", {
      all: true,
      filters: JSON.stringify({ label: ["test.story=json"], name }),
    });
    expect(ps.containers.map((c) => c.name)).toEqual([name]);
  });

  it("reads the tail of a 200,000-line log within max_bytes", async () => {
    const name = podman.track(uniqueName("big-log"));
    await callOk(client, "podman_run", {
      image: image(),
      name,
      command: ["seq", "1", "200000"],
      detach: false,
      timeout: 60,
    });
    const tail = await callOk<{ text: string; lines: number; truncated: boolean }>(
      client,
      "podman_logs",
      { name },
    );
    const expected = Array.from({ length: 100 }, (_, i) => String(199901 + i)).join("\n");
    expect(tail.text).toBe(expected);
    expect(tail).toMatchObject({ lines: 100, truncated: false });

    const capped = await callOk<{ text: string; truncated: boolean; omitted_lines: number }>(
      client,
      "podman_logs",
      { name, tail: 5000, max_bytes: 1000 },
    );
    expect(new TextEncoder().encode(capped.text).length).toBeLessThanOrEqual(1000);
    expect(capped.text.endsWith("199999\n200000")).toBe(true);
    expect(capped.truncated).toBe(true);
    expect(capped.omitted_lines).toBe(5000 - capped.text.split("\n").length);
    expect(capped.text).toMatch(/^\d+\n/);
    expect(capped.text.length).toBeGreaterThan(0);

    const grep = await callOk<{ text: string; matched_lines: number }>(client, "podman_logs", {
      name,
      grep: "^19999[0-9]$",
      tail: 3,
    });
    expect(grep.text).toBe("199997\n199998\n199999");
    expect(grep.matched_lines).toBe(10);
  });

  it("separates stdout and stderr in logs and exec", async () => {
    const name = podman.track(uniqueName("streams"));
    await callOk(client, "podman_run", {
      image: image(),
      name,
      command: ["sh", "-c", "echo to-out; echo to-err >&2; sleep 30"],
    });
    await expect
      .poll(async () => (await callOk<{ lines: number }>(client, "podman_logs", { name })).lines)
      .toBe(2);
    const err = await callOk<{ text: string }>(client, "podman_logs", { name, stream: "stderr" });
    expect(err.text).toBe("to-err");
    const out = await callOk<{ text: string }>(client, "podman_logs", {
      name,
      stream: "stdout",
      timestamps: true,
    });
    expect(out.text).toMatch(/^\d{4}-\d\d-\d\dT\S+ to-out$/);

    const exec = await callOk<{
      exit_code: number;
      stdout: { text: string };
      stderr: { text: string };
    }>(client, "podman_exec", {
      name,
      command: ["sh", "-c", "echo $X; pwd; echo oops >&2; exit 4"],
      env: { X: "y" },
      workdir: "/bin",
    });
    expect(exec).toMatchObject({
      exit_code: 4,
      stdout: { text: "y\n/bin\n" },
      stderr: { text: "oops\n" },
    });

    const slow = await callOk<{ timed_out: boolean; exit_code: null; stdout: { text: string } }>(
      client,
      "podman_exec",
      { name, command: ["sh", "-c", "echo begun; sleep 20"], timeout: 1 },
    );
    expect(slow).toMatchObject({ timed_out: true, exit_code: null });
    expect(slow.stdout.text).toBe("begun\n");
  });

  it("turns bad inputs into one clear sentence", async () => {
    const missing = uniqueName("missing");
    for (const tool of [
      "podman_start",
      "podman_stop",
      "podman_restart",
      "podman_rm",
      "podman_logs",
      "podman_inspect",
    ]) {
      expect(await callError(client, tool, { name: missing }), tool).toMatch(
        /no such container|no container with name or ID/i,
      );
    }
    expect(await callError(client, "podman_exec", { name: missing, command: ["true"] })).toMatch(
      /no such container|no container/i,
    );

    expect(await callError(client, "podman_run", { image: "Not A Valid//Reference" })).toMatch(
      /reference|invalid/i,
    );
    expect(await callError(client, "podman_run", {})).toMatch(/image/);
    expect(await callError(client, "podman_run", { image: image(), ports: ["eighty"] })).toMatch(
      /eighty/,
    );
    expect(await callError(client, "podman_run", { image: image(), memory: "lots" })).toMatch(
      /lots/,
    );
    expect(
      await callError(client, "podman_run", { image: image(), volumes: ["relative/path:/data"] }),
    ).toMatch(/relative\/path/);
    expect(await callError(client, "podman_logs", { name: missing, grep: "(" })).toMatch(/grep/);
    expect(await callError(client, "podman_ps", { limit: "many" })).toMatch(/limit/);
  });

  it("reports a taken port and leaves no half-made container behind", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    const name = podman.track(uniqueName("port-taken"));
    try {
      const message = await callError(client, "podman_run", {
        image: image(),
        name,
        command: ["httpd", "-f", "-p", "80"],
        ports: [`127.0.0.1:${port}:80`],
      });
      expect(message).toMatch(/address already in use|port/i);
      expect(await podman.exists(name)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it("reports a name in use without creating a twin", async () => {
    const name = podman.track(uniqueName("twin"));
    await callOk(client, "podman_run", { image: image(), name, command: ["sleep", "30"] });
    const message = await callError(client, "podman_run", {
      image: image(),
      name,
      command: ["sleep", "30"],
    });
    expect(message).toMatch(/already in use/);
    const { body } = await podman.request(
      "GET",
      `/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`,
    );
    expect(body).toHaveLength(1);
  });
});
