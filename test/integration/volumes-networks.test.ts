import { afterAll, expect, it } from "vitest";
import { PodmanDirect, callError, callOk, testEnv, uniqueName } from "./harness.js";
import { describeOverTransports } from "./over-transports.js";

interface VolumeSummary {
  name: string;
  driver: string;
  mountpoint: string;
  labels?: Record<string, string>;
  created: string;
}

interface RunResult {
  name: string;
  state: string;
  exit_code?: number;
  logs?: { text: string };
}

/** Stops within a second of SIGTERM (a plain `sleep` as PID 1 ignores it for 10 s). */
const IDLE = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"];

/** Volumes and networks this file created, removed whatever happens (containers go with them). */
class Leftovers {
  readonly volumes = new Set<string>();
  readonly networks = new Set<string>();
  constructor(readonly podman: PodmanDirect) {}

  volume(name: string) {
    this.volumes.add(name);
    return name;
  }

  network(name: string) {
    this.networks.add(name);
    return name;
  }

  async remove() {
    for (const name of this.networks) {
      await this.podman.request("DELETE", `/networks/${encodeURIComponent(name)}?force=true`);
    }
    for (const name of this.volumes) {
      await this.podman.request(
        "DELETE",
        `/volumes/${encodeURIComponent(name)}?force=true&timeout=0`,
      );
    }
    await this.podman.cleanup();
  }
}

const volumeExists = async (podman: PodmanDirect, name: string) =>
  (await podman.request("GET", `/volumes/${encodeURIComponent(name)}/exists`)).status === 204;

const networkExists = async (podman: PodmanDirect, name: string) =>
  (await podman.request("GET", `/networks/${encodeURIComponent(name)}/exists`)).status === 204;

describeOverTransports("volumes over %s", {}, ({ client }) => {
  const podman = new PodmanDirect();
  const leftovers = new Leftovers(podman);
  const image = () => testEnv().PODMAN_TEST_IMAGE;

  afterAll(async () => {
    await leftovers.remove();
  });

  it("creates a labelled volume, shares data through it, refuses to remove it in use, removes it", async () => {
    const name = leftovers.volume(uniqueName("vol"));
    const label = `mcp-test.volume=${name}`;
    const created = await callOk<VolumeSummary>(client, "podman_volume_create", {
      name,
      labels: { "mcp-test.volume": name },
    });
    expect(created).toMatchObject({ name, driver: "local", labels: { "mcp-test.volume": name } });
    expect(created.mountpoint).toMatch(new RegExp(`/${name}/_data$`));

    const listed = await callOk<{ volumes: VolumeSummary[]; count: number }>(
      client,
      "podman_volume_ls",
      { filters: { label: [label] } },
    );
    expect(listed.count).toBe(1);
    expect(listed.volumes[0]).toMatchObject({ name, driver: "local", created: created.created });
    expect(listed.rendered).toContain(name);

    const writer = podman.track(uniqueName("vol-writer"));
    const written = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name: writer,
      command: ["sh", "-c", "echo kept across containers > /data/note"],
      volumes: [`${name}:/data`],
      detach: false,
    });
    expect(written.exit_code).toBe(0);
    const reader = podman.track(uniqueName("vol-reader"));
    const read = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name: reader,
      command: ["cat", "/data/note"],
      volumes: [`${name}:/data:ro`],
      detach: false,
    });
    expect(read).toMatchObject({ exit_code: 0, logs: { text: "kept across containers" } });

    const unused = await callOk<{ count: number }>(client, "podman_volume_ls", {
      filters: { label: [label], dangling: true },
    });
    expect(unused.count).toBe(0);
    const used = await callOk<{ volumes: VolumeSummary[] }>(client, "podman_volume_ls", {
      filters: { label: [label], dangling: false },
    });
    expect(used.volumes.map((v) => v.name)).toEqual([name]);

    const refused = await callError(client, "podman_volume_rm", { name });
    expect(refused).toMatch(/being used/);
    expect(refused).toMatch(/force=true/);
    expect(await volumeExists(podman, name)).toBe(true);

    const removed = await callOk<{ removed: string }>(client, "podman_volume_rm", {
      name,
      force: true,
      timeout: 0,
    });
    expect(removed.removed).toBe(name);
    expect(await volumeExists(podman, name)).toBe(false);
    expect(await podman.exists(writer)).toBe(false);
    expect(await podman.exists(reader)).toBe(false);
  });
});

describeOverTransports("volumes and networks over stdio", { over: ["stdio"] }, ({ client }) => {
  const podman = new PodmanDirect();
  const leftovers = new Leftovers(podman);
  const image = () => testEnv().PODMAN_TEST_IMAGE;

  afterAll(async () => {
    await leftovers.remove();
  });

  it("prunes only the unused volumes carrying the label, and says how many bytes it freed", async () => {
    const story = uniqueName("prune");
    const labels = { "mcp-test.prune": story };
    const filled = leftovers.volume(uniqueName("prune-filled"));
    const inUse = leftovers.volume(uniqueName("prune-used"));
    const otherLabel = leftovers.volume(uniqueName("prune-other"));
    await callOk(client, "podman_volume_create", { name: filled, labels });
    await callOk(client, "podman_volume_create", { name: inUse, labels });
    await callOk(client, "podman_volume_create", {
      name: otherLabel,
      labels: { "mcp-test.prune": `${story}-other` },
    });
    const anonymous = await callOk<VolumeSummary>(client, "podman_volume_create", { labels });
    leftovers.volume(anonymous.name);
    expect(anonymous.name).toMatch(/^[0-9a-f]{64}$/);

    // seq 1 10000 writes 48894 bytes.
    const fill = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      command: ["sh", "-c", "seq 1 10000 > /data/numbers"],
      volumes: [`${filled}:/data`],
      detach: false,
      remove: true,
    });
    expect(fill.exit_code).toBe(0);
    const holder = podman.track(uniqueName("prune-holder"));
    await callOk(client, "podman_run", {
      image: image(),
      name: holder,
      command: ["true"],
      volumes: [`${inUse}:/data`],
      detach: false,
    });

    const pruned = await callOk<{ removed: string[]; space_reclaimed: number }>(
      client,
      "podman_volume_prune",
      { filters: { label: [`mcp-test.prune=${story}`] } },
    );
    expect(pruned.removed.sort()).toEqual([anonymous.name, filled].sort());
    expect(pruned.space_reclaimed).toBeGreaterThanOrEqual(48894);
    expect(await volumeExists(podman, filled)).toBe(false);
    expect(await volumeExists(podman, inUse)).toBe(true);
    expect(await volumeExists(podman, otherLabel)).toBe(true);

    const again = await callOk<{ removed: string[] }>(client, "podman_volume_prune", {
      filters: { label: [`mcp-test.prune=${story}`] },
    });
    expect(again.removed).toEqual([]);
    expect(again.rendered).toMatch(/no unused volumes/i);
  });

  it("prunes with several labels only the volumes carrying them all", async () => {
    // Podman itself ORs several label filters (containers/podman#26786).
    const story = uniqueName("prune-and");
    const both = leftovers.volume(uniqueName("prune-both"));
    const one = leftovers.volume(uniqueName("prune-one"));
    await callOk(client, "podman_volume_create", {
      name: both,
      labels: { "mcp-test.prune": story, "mcp-test.extra": "yes" },
    });
    await callOk(client, "podman_volume_create", {
      name: one,
      labels: { "mcp-test.prune": story },
    });
    const labels = [`mcp-test.prune=${story}`, "mcp-test.extra=yes"];

    const listed = await callOk<{ volumes: VolumeSummary[] }>(client, "podman_volume_ls", {
      filters: { label: labels },
    });
    expect(listed.volumes.map((v) => v.name)).toEqual([both]);
    const byName = await callOk<{ volumes: VolumeSummary[] }>(client, "podman_volume_ls", {
      filters: { label: [labels[0]], name: `^${one}$` },
    });
    expect(byName.volumes.map((v) => v.name)).toEqual([one]);

    const pruned = await callOk<{ removed: string[]; space_reclaimed?: number }>(
      client,
      "podman_volume_prune",
      { filters: { label: labels } },
    );
    expect(pruned.removed).toEqual([both]);
    expect(await volumeExists(podman, both)).toBe(false);
    expect(await volumeExists(podman, one)).toBe(true);
  });

  it("turns volume mistakes into one clear sentence", async () => {
    const name = leftovers.volume(uniqueName("vol-dup"));
    await callOk(client, "podman_volume_create", { name });
    expect(await callError(client, "podman_volume_create", { name })).toMatch(/already exists/);
    expect(await callError(client, "podman_volume_rm", { name: uniqueName("absent") })).toMatch(
      /no volume with name/i,
    );
    expect(
      await callError(client, "podman_volume_create", {
        name: leftovers.volume(uniqueName("vol-bad")),
        driver: "no-such-driver",
      }),
    ).toMatch(/no-such-driver/);
  });

  it("creates a network with a subnet, runs a container on it, refuses to remove it in use, forces it", async () => {
    const name = leftovers.network(uniqueName("net"));
    // The isolated Podman's pool is 10.N.0.0/16 (N from its default network pteN); a high
    // third octet stays clear of the subnets Podman hands out from the bottom of the pool.
    const index = /^pte(\d+)$/.exec(defaultNetwork())?.[1];
    expect(index, "default network of the test Podman").toBeDefined();
    const prefix = `10.${index}.${200 + Math.floor(Math.random() * 50)}.`;
    const subnet = `${prefix}0/24`;
    // An explicit bridge name: Podman's podman1, podman2... would collide between the
    // isolated Podmans of concurrent test runs, which share the host's network stack.
    const bridge = `mcpt${Math.random().toString(36).slice(2, 9)}`;
    const created = await callOk<{
      name: string;
      id: string;
      interface: string;
      subnets: { subnet: string; gateway?: string }[];
    }>(client, "podman_network_create", {
      name,
      subnet,
      gateway: `${prefix}254`,
      labels: { "mcp-test.network": name },
      interface_name: bridge,
    });
    expect(created).toMatchObject({
      name,
      interface: bridge,
      subnets: [{ subnet, gateway: `${prefix}254` }],
    });
    expect(created.id).toMatch(/^[0-9a-f]{12}$/);

    const listed = await callOk<{ networks: Record<string, unknown>[] }>(
      client,
      "podman_network_ls",
      { filters: { label: [`mcp-test.network=${name}`], driver: "bridge" } },
    );
    expect(listed.networks).toEqual([
      {
        name,
        id: created.id,
        driver: "bridge",
        subnets: [subnet],
        dns_enabled: false,
        internal: false,
      },
    ]);

    const inspected = await callOk<{ inspect: Record<string, unknown>; missing?: string[] }>(
      client,
      "podman_network_inspect",
      { name, fields: ["subnets.0.subnet", "subnets.0.gateway", "network_interface", "nope"] },
    );
    expect(inspected.inspect).toEqual({
      "subnets.0.subnet": subnet,
      "subnets.0.gateway": `${prefix}254`,
      network_interface: bridge,
    });
    expect(inspected.missing).toEqual(["nope"]);

    const container = podman.track(uniqueName("net-member"));
    const run = await callOk<RunResult>(client, "podman_run", {
      image: image(),
      name: container,
      command: IDLE,
      network: name,
    });
    expect(run.state).toBe("running");
    const { body } = await podman.request("GET", `/containers/${container}/json`);
    const address = body.NetworkSettings.Networks[name]?.IPAddress as string;
    expect(address.startsWith(prefix)).toBe(true);

    const refused = await callError(client, "podman_network_rm", { name });
    expect(refused).toMatch(/being used by containers/);
    expect(refused).toMatch(/force=true/);
    expect(await networkExists(podman, name)).toBe(true);

    const removed = await callOk<{ removed: string[] }>(client, "podman_network_rm", {
      name,
      force: true,
    });
    expect(removed.removed).toEqual([name]);
    expect(await networkExists(podman, name)).toBe(false);
    expect(await podman.exists(container)).toBe(false);
  });

  it("turns network mistakes into one clear sentence", async () => {
    const name = leftovers.network(uniqueName("net-dup"));
    await callOk(client, "podman_network_create", {
      name,
      interface_name: `mcpt${Math.random().toString(36).slice(2, 9)}`,
    });
    expect(await callError(client, "podman_network_create", { name })).toMatch(/already/);
    const absent = uniqueName("absent");
    expect(await callError(client, "podman_network_inspect", { name: absent })).toMatch(
      /not found/,
    );
    expect(await callError(client, "podman_network_rm", { name: absent })).toMatch(/not found/);
    expect(
      await callError(client, "podman_network_create", {
        name: leftovers.network(uniqueName("net-gw")),
        gateway: "10.1.2.3",
      }),
    ).toMatch(/gateway needs a subnet/i);
    expect(
      await callError(client, "podman_network_create", {
        name: leftovers.network(uniqueName("net-bad")),
        subnet: "not-a-subnet",
      }),
    ).toMatch(/not-a-subnet/);
  });
});

/** The isolated Podman's default network, pteN (see test/env/podman-test-env.sh). */
function defaultNetwork(): string {
  const env = testEnv() as unknown as Record<string, string | undefined>;
  const network = env.PODMAN_TEST_NETWORK;
  if (!network) throw new Error("PODMAN_TEST_NETWORK is missing from the test environment");
  return network;
}
