import { dirname, join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { PodmanDirect, callError, callOk, testEnv, uniqueName } from "./harness.js";
import { describeOverTransports } from "./over-transports.js";

interface InfoResult {
  version: string;
  api_version: string;
  host: { os: string; cpus: number; memory_total: number; memory_free: number; rootless: boolean };
  runtime: { name: string; version: string };
  storage: { driver: string; graph_root: string; images: number; containers: { total: number } };
}

interface Usage {
  count: number;
  active: number;
  size: number;
  reclaimable: number;
}

interface DfResult {
  images: Usage;
  containers: Usage;
  volumes: Usage;
  largest?: { images: { name: string; size: number }[] };
}

interface EventsResult {
  events: {
    time: string;
    type: string;
    action: string;
    id?: string;
    name?: string;
    exit_code?: number;
  }[];
  count: number;
  omitted: number;
  complete: boolean;
}

interface StatsResult {
  containers: {
    id: string;
    name: string;
    cpu_percent: number;
    memory_usage: number;
    pids: number;
  }[];
  cpu_basis: string;
}

interface HealthResult {
  name: string;
  check: string;
  status: string;
  failing_streak: number;
  log: { exit_code: number; output: string }[];
}

const image = () => testEnv().PODMAN_TEST_IMAGE;

/**
 * podman_run sends no healthcheck Timeout unless given one, and Podman then
 * applies 0s, failing every check ("healthcheck command exceeded timeout of 0s"):
 * these tests give a timeout.
 */
const healthcheck = (script: string) => ({
  test: ["CMD-SHELL", script],
  timeout: "10s",
  retries: 1,
});

describeOverTransports("system over %s", {}, ({ client }) => {
  const podman = new PodmanDirect();

  afterAll(async () => {
    await podman.cleanup();
  });

  it("describes the isolated Podman: its graph root, runc, and at least the test image", async () => {
    const info = await callOk<InfoResult>(client, "podman_info");
    const graphRoot = join(dirname(testEnv().PODMAN_TEST_SOCKET), "root");
    expect(info.storage.graph_root).toBe(graphRoot);
    expect(info.storage.driver).toBe(testEnv().PODMAN_TEST_STORAGE_DRIVER);
    expect(info.storage.images).toBeGreaterThanOrEqual(1);
    expect(info.runtime.name).toBe("runc");
    expect(info.runtime.version).toMatch(/^\d+\.\d+/);
    expect(info.version).toBe(testEnv().PODMAN_TEST_VERSION);
    expect(info.host.os).toBe("linux");
    expect(info.host.cpus).toBeGreaterThanOrEqual(1);
    expect(info.host.memory_total).toBeGreaterThanOrEqual(info.host.memory_free);
    expect(info.rendered).toContain(
      `storage: ${testEnv().PODMAN_TEST_STORAGE_DRIVER} at ${graphRoot}`,
    );

    const df = await callOk<DfResult>(client, "podman_system_df", { top: 50 });
    expect(df.images.count).toBeGreaterThanOrEqual(1);
    expect(df.images.size).toBeGreaterThan(0);
    expect(df.images.reclaimable).toBeLessThanOrEqual(df.images.size);
    const testImage = df.largest?.images.find((entry) => entry.name === image());
    expect(testImage?.size).toBeGreaterThan(0);
    expect(df.rendered).toMatch(/^images: \d+ \(\d+ active\)/);
  });

  it("shows a container's create, start and died events", async () => {
    const name = podman.track(uniqueName("sys-events"));
    const run = await callOk<{ id: string; exit_code: number }>(client, "podman_run", {
      image: image(),
      name,
      command: ["sh", "-c", "exit 4"],
      detach: false,
    });
    expect(run.exit_code).toBe(4);

    const history = await callOk<EventsResult>(client, "podman_events", {
      filters: { container: name },
    });
    expect(history.complete).toBe(true);
    const actions = history.events.map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(["create", "start", "died"]));
    expect(actions.indexOf("create")).toBeLessThan(actions.indexOf("start"));
    for (const event of history.events) {
      expect(event).toMatchObject({ type: "container", name, id: run.id });
    }
    expect(history.events.find((event) => event.action === "died")?.exit_code).toBe(4);

    const died = await callOk<EventsResult>(client, "podman_events", {
      filters: { container: name, event: "die" },
    });
    expect(died.events.map((event) => event.action)).toEqual(["died"]);
    expect(died.rendered).toContain(`died ${name} (${run.id})`);

    const newest = await callOk<EventsResult>(client, "podman_events", {
      filters: { container: name },
      limit: 1,
    });
    expect(newest.count).toBe(1);
    // create, init, start and died at least came before the one kept.
    expect(newest.omitted).toBeGreaterThanOrEqual(3);
    const latest = history.events.at(-1)!;
    expect(newest.events[0]!.time >= latest.time).toBe(true);
  });

  it("reads the CPU and memory of a busy container", async () => {
    const name = podman.track(uniqueName("sys-busy"));
    await callOk(client, "podman_run", {
      image: image(),
      name,
      command: ["sh", "-c", "yes > /dev/null"],
    });
    let reading: StatsResult["containers"][number] | undefined;
    // On one reading CPU is the average since start: 0 until the first tick is accounted.
    await expect
      .poll(async () => {
        const stats = await callOk<StatsResult>(client, "podman_stats", { names: [name] });
        reading = stats.containers[0];
        return reading?.cpu_percent;
      })
      .toBeGreaterThan(0);
    expect(reading).toMatchObject({ name });
    expect(reading!.memory_usage).toBeGreaterThan(0);
    expect(reading!.pids).toBeGreaterThanOrEqual(1);

    const sampled = await callOk<StatsResult>(client, "podman_stats", {
      names: [name],
      sample_seconds: 1,
    });
    expect(sampled.cpu_basis).toBe("sampled");
    expect(sampled.containers[0]?.cpu_percent).toBeGreaterThan(0);

    const all = await callOk<StatsResult>(client, "podman_stats");
    expect(all.containers.map((c) => c.name)).toContain(name);
  });

  it("runs a passing and a failing health check", async () => {
    const healthy = podman.track(uniqueName("sys-healthy"));
    await callOk(client, "podman_run", {
      image: image(),
      name: healthy,
      command: ["sleep", "300"],
      healthcheck: healthcheck("exit 0"),
    });
    const passed = await callOk<HealthResult>(client, "podman_healthcheck_run", { name: healthy });
    expect(passed).toMatchObject({ name: healthy, check: "healthy", status: "healthy" });
    expect(passed.failing_streak).toBe(0);
    expect(passed.log.at(-1)?.exit_code).toBe(0);

    const unhealthy = podman.track(uniqueName("sys-unhealthy"));
    await callOk(client, "podman_run", {
      image: image(),
      name: unhealthy,
      command: ["sleep", "300"],
      healthcheck: healthcheck("echo unwell; exit 1"),
    });
    const failed = await callOk<HealthResult>(client, "podman_healthcheck_run", {
      name: unhealthy,
    });
    expect(failed).toMatchObject({ check: "unhealthy", status: "unhealthy", failing_streak: 1 });
    expect(failed.log.at(-1)).toEqual(expect.objectContaining({ exit_code: 1, output: "unwell" }));
    expect(failed.rendered).toContain("exit 1: unwell");
  });
});

describeOverTransports("system errors", { over: ["stdio"] }, ({ client }) => {
  const podman = new PodmanDirect();

  afterAll(async () => {
    await podman.cleanup();
  });

  it("refuses stats of an unknown or stopped container", async () => {
    const unknown = uniqueName("sys-nope");
    expect(await callError(client, "podman_stats", { names: [unknown] })).toMatch(
      new RegExp(`no container with name or ID "${unknown}" found`, "i"),
    );

    const stopped = podman.track(uniqueName("sys-stopped"));
    await callOk(client, "podman_run", {
      image: image(),
      name: stopped,
      command: ["true"],
      detach: false,
    });
    // Podman 5 says "stopped" until the exited container's cleanup has run.
    expect(await callError(client, "podman_stats", { names: [stopped] })).toMatch(
      new RegExp(
        `^Container ${stopped} is not running \\((exited|stopped)\\): stats need a running container\\.$`,
      ),
    );
    const all = await callOk<StatsResult>(client, "podman_stats");
    expect(all.containers.map((c) => c.name)).not.toContain(stopped);
  });

  it("refuses a health check where none is defined", async () => {
    const plain = podman.track(uniqueName("sys-nocheck"));
    await callOk(client, "podman_run", { image: image(), name: plain, command: ["sleep", "300"] });
    expect(await callError(client, "podman_healthcheck_run", { name: plain })).toBe(
      `Container ${plain} has no defined healthcheck.`,
    );
    expect(
      await callError(client, "podman_healthcheck_run", { name: uniqueName("sys-nope") }),
    ).toMatch(/no such container/);
  });

  it("reports an unreadable event window", async () => {
    expect(await callError(client, "podman_events", { since: "yesterday-ish" })).toMatch(
      /since time of yesterday-ish/,
    );
  });
});
