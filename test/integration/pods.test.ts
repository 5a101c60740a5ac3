import { type AddressInfo, createServer } from "node:net";
import { afterAll, expect, it } from "vitest";
import { PodmanDirect, callError, callOk, testEnv, uniqueName, freePort } from "./harness.js";
import { describeOverTransports } from "./over-transports.js";

interface PodState {
  id: string;
  name: string;
  state: string;
  containers: string[];
  changed: boolean;
  message: string;
}

interface PodLogs {
  pod: string;
  containers: string[];
  text: string;
  lines: number;
  truncated: boolean;
  omitted_lines: number;
  omitted_bytes: number;
  scanned_lines?: number;
  matched_lines?: number;
}

interface PodList {
  pods: {
    id: string;
    name: string;
    status: string;
    containers: number;
    infra_id?: string;
    ports: string[];
    created: string;
  }[];
  count: number;
}

const POD_TOOLS = [
  "podman_pod_create",
  "podman_pod_ps",
  "podman_pod_inspect",
  "podman_pod_start",
  "podman_pod_stop",
  "podman_pod_restart",
  "podman_pod_rm",
  "podman_pod_logs",
];

/** Pods by name, removed with everything in them after the tests whatever happens. */
class PodTracker {
  readonly podman = new PodmanDirect();
  readonly #pods = new Set<string>();

  track(name: string) {
    this.#pods.add(name);
    return name;
  }

  async exists(name: string) {
    const { status } = await this.podman.request("GET", `/pods/${name}/exists`);
    return status === 204;
  }

  async state(name: string): Promise<string> {
    return (await this.podman.request("GET", `/pods/${name}/json`)).body.State;
  }

  async cleanup() {
    for (const name of this.#pods) {
      await this.podman.request("DELETE", `/pods/${name}?force=true&timeout=0`);
    }
    await this.podman.cleanup();
  }
}

const image = () => testEnv().PODMAN_TEST_IMAGE;

describeOverTransports("pods over %s", {}, ({ client }) => {
  const pods = new PodTracker();

  afterAll(async () => {
    await pods.cleanup();
  });

  it("serves a web server from a pod's published port, reads its logs, stops and removes it", async () => {
    const pod = pods.track(uniqueName("pod"));
    const web = pods.podman.track(uniqueName("web"));
    const talker = pods.podman.track(uniqueName("talker"));
    const port = await freePort();
    const label = uniqueName("story");

    const created = await callOk<{ id: string; name: string; state: string; ports: string[] }>(
      client,
      "podman_pod_create",
      { name: pod, ports: [`127.0.0.1:${port}:80`], labels: { "test.story": label } },
    );
    expect(created).toMatchObject({ name: pod, state: "Created" });
    expect(created.id).toMatch(/^[0-9a-f]{12}$/);
    expect(created.ports).toEqual([`127.0.0.1:${port}->80/tcp`]);

    const run = await callOk<{ state: string }>(client, "podman_run", {
      image: image(),
      name: web,
      pod,
      command: ["httpd", "-f", "-v", "-p", "80", "-h", "/bin"],
    });
    expect(run.state).toBe("running");
    await callOk(client, "podman_run", {
      image: image(),
      name: talker,
      pod,
      command: ["sh", "-c", "echo hello from talker; exec sleep 600"],
    });

    const answer = await fetch(`http://127.0.0.1:${port}/busybox`);
    expect(answer.status).toBe(200);
    await answer.arrayBuffer();

    const listed = await callOk<PodList>(client, "podman_pod_ps", {
      filters: { label: [`test.story=${label}`] },
    });
    expect(listed.count).toBe(1);
    expect(listed.pods[0]).toMatchObject({
      id: created.id,
      name: pod,
      status: "Running",
      containers: 2,
      ports: [`127.0.0.1:${port}->80/tcp`],
    });
    expect(listed.pods[0]!.infra_id).toMatch(/^[0-9a-f]{12}$/);
    expect(listed.rendered).toContain(
      `${pod} Running 2 containers (+infra) 127.0.0.1:${port}->80/tcp`,
    );

    const inspect = await callOk<{ inspect: Record<string, unknown>; missing?: string[] }>(
      client,
      "podman_pod_inspect",
      { name: pod, fields: ["State", "Labels", "NumContainers", "No.Such.Field"] },
    );
    expect(inspect.inspect).toEqual({
      State: "Running",
      Labels: { "test.story": label, "io.mcp-podman.managed": "true" },
      NumContainers: 3,
    });
    expect(inspect.missing).toEqual(["No.Such.Field"]);

    // httpd -v logs each request to stderr; the lines reach the log file asynchronously.
    let logs: PodLogs | undefined;
    await expect
      .poll(async () => {
        logs = await callOk<PodLogs>(client, "podman_pod_logs", { name: pod });
        return logs.text;
      })
      .toMatch(new RegExp(`^${web} \\| .*response:200$`, "m"));
    expect(logs!.text.split("\n")).toContain(`${talker} | hello from talker`);
    expect(logs!.text.split("\n").every((line) => /^(web|talker)-\S+ \| /.test(line))).toBe(true);
    expect(logs!.containers.sort()).toEqual([talker, web].sort());
    expect(logs!.truncated).toBe(false);

    const stopped = await callOk<PodState>(client, "podman_pod_stop", { name: pod, timeout: 1 });
    expect(stopped).toMatchObject({ name: pod, state: "Exited", changed: true });
    expect(await pods.state(pod)).toBe("Exited");
    const again = await callOk<PodState>(client, "podman_pod_stop", { name: pod });
    expect(again.changed).toBe(false);
    expect(again.message).toMatch(/already stopped/);

    const started = await callOk<PodState>(client, "podman_pod_start", { name: pod });
    expect(started).toMatchObject({ state: "Running", changed: true });
    expect(started.containers.sort()).toEqual([`${talker}: running`, `${web}: running`].sort());
    const restarted = await callOk<PodState>(client, "podman_pod_restart", {
      name: pod,
      timeout: 1,
    });
    expect(restarted).toMatchObject({ state: "Running", changed: true });

    const refused = await callError(client, "podman_pod_rm", { name: pod });
    expect(refused).toMatch(/running containers.*force=true/);
    expect(await pods.exists(pod)).toBe(true);
    expect(await pods.podman.exists(web)).toBe(true);

    const removed = await callOk<{ id: string; removed_containers: string[] }>(
      client,
      "podman_pod_rm",
      { name: pod, force: true, timeout: 0 },
    );
    expect(removed.id).toBe(created.id);
    expect(removed.removed_containers.sort()).toEqual([talker, web].sort());
    expect((await pods.podman.request("GET", `/pods/${pod}/exists`)).status).toBe(404);
    expect(await pods.podman.exists(web)).toBe(false);
    expect(await pods.podman.exists(talker)).toBe(false);
  });
});

describeOverTransports("pods: bounds and bad inputs", { over: ["stdio"] }, ({ client }) => {
  const pods = new PodTracker();

  afterAll(async () => {
    await pods.cleanup();
  });

  it("bounds pod logs by tail per container and max_bytes overall, and filters with grep", async () => {
    const pod = pods.track(uniqueName("logs"));
    const counter = pods.podman.track(uniqueName("counter"));
    const greeter = pods.podman.track(uniqueName("greeter"));
    await callOk(client, "podman_pod_create", { name: pod });
    await callOk(client, "podman_run", {
      image: image(),
      name: counter,
      pod,
      command: ["seq", "1", "500"],
      detach: false,
    });
    await callOk(client, "podman_run", {
      image: image(),
      name: greeter,
      pod,
      command: ["sh", "-c", "echo hi; echo there"],
      detach: false,
    });

    const tailed = await callOk<PodLogs>(client, "podman_pod_logs", { name: pod, tail: 3 });
    const lines = tailed.text.split("\n");
    expect(lines.filter((l) => l.startsWith(`${counter} | `))).toEqual(
      ["498", "499", "500"].map((n) => `${counter} | ${n}`),
    );
    expect(lines.filter((l) => l.startsWith(`${greeter} | `))).toEqual(
      ["hi", "there"].map((text) => `${greeter} | ${text}`),
    );
    expect(tailed).toMatchObject({ lines: 5, truncated: false, omitted_lines: 0 });

    const capped = await callOk<PodLogs>(client, "podman_pod_logs", {
      name: pod,
      tail: -1,
      max_bytes: 300,
    });
    expect(new TextEncoder().encode(capped.text).length).toBeLessThanOrEqual(300);
    expect(capped.truncated).toBe(true);
    expect(capped.lines + capped.omitted_lines).toBe(502);
    expect(capped.rendered).toMatch(/truncated: \d+ earlier lines/);

    const grep = await callOk<PodLogs>(client, "podman_pod_logs", {
      name: pod,
      grep: "^(4\\d\\d|there)$",
      tail: 2,
    });
    expect(grep.text.split("\n").sort()).toEqual(
      [`${counter} | 498`, `${counter} | 499`, `${greeter} | there`].sort(),
    );
    expect(grep).toMatchObject({ scanned_lines: 502, matched_lines: 101 });

    const stamped = await callOk<PodLogs>(client, "podman_pod_logs", {
      name: pod,
      tail: 1,
      timestamps: true,
    });
    const stampedLines = stamped.text.split("\n");
    expect(stampedLines).toHaveLength(2);
    expect(stampedLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ ${counter} \\| 500$`)),
        expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ ${greeter} \\| there$`)),
      ]),
    );
  });

  it("answers unknown pods, a duplicate name and bad arguments with one clear sentence", async () => {
    const missing = uniqueName("no-pod");
    for (const tool of POD_TOOLS.filter((t) => !/create|ps/.test(t))) {
      expect(await callError(client, tool, { name: missing }), tool).toMatch(
        new RegExp(`no pod with name or ID ${missing} found`, "i"),
      );
    }
    const none = await callOk<PodList>(client, "podman_pod_ps", { filters: { name: missing } });
    expect(none).toMatchObject({ pods: [], count: 0, rendered: "No pods." });

    const pod = pods.track(uniqueName("dup"));
    await callOk(client, "podman_pod_create", { name: pod, labels: { keep: "me" } });
    expect(await callError(client, "podman_pod_create", { name: pod })).toMatch(
      /already exists|in use/,
    );
    const kept = await callOk<{ inspect: Record<string, unknown> }>(client, "podman_pod_inspect", {
      name: pod,
      fields: ["Labels"],
    });
    expect(kept.inspect.Labels).toEqual({ keep: "me", "io.mcp-podman.managed": "true" });

    const badPort = pods.track(uniqueName("bad-port"));
    expect(
      await callError(client, "podman_pod_create", { name: badPort, ports: ["8080:http"] }),
    ).toMatch(/Invalid port mapping "8080:http"/);
    const badShare = pods.track(uniqueName("bad-share"));
    expect(
      await callError(client, "podman_pod_create", { name: badShare, share: "net,bogus" }),
    ).toMatch(/Invalid namespace "bogus"/);
    expect(
      await callError(client, "podman_pod_create", {
        name: badShare,
        share: ["ipc"],
        ports: ["8080:80"],
      }),
    ).toMatch(/net namespace/);
    expect(await callError(client, "podman_pod_logs", { name: pod, grep: "(" })).toMatch(/grep/);
    expect(await callError(client, "podman_pod_create", {})).toMatch(/name/);

    // Podman 4.3 leaves a half-made pod behind when the network is unknown.
    const badNetwork = pods.track(uniqueName("bad-net"));
    expect(
      await callError(client, "podman_pod_create", {
        name: badNetwork,
        network: uniqueName("no-such-network"),
      }),
    ).toMatch(/network not found/);
    for (const name of [badPort, badShare, badNetwork]) {
      expect(await pods.exists(name), name).toBe(false);
    }
  });

  it("creates a pod with shared namespaces as a comma list, on a named network", async () => {
    const pod = pods.track(uniqueName("shared"));
    const network = uniqueName("pod-net");
    const made = await pods.podman.request("POST", "/networks/create", { name: network });
    expect(made.status).toBe(200);
    try {
      await createOnNetwork(pod, network);
    } finally {
      await pods.podman.request("DELETE", `/pods/${pod}?force=true&timeout=0`);
      await pods.podman.request("DELETE", `/networks/${network}?force=true`);
    }
  });

  async function createOnNetwork(pod: string, network: string) {
    const created = await callOk<{ ports: string[] }>(client, "podman_pod_create", {
      name: pod,
      share: "net,ipc",
      network,
      hostname: "podhost",
      ports: [{ container_port: 80 }],
    });
    expect(created.ports).toEqual([expect.stringMatching(/^\d+->80\/tcp$/)]);
    const inspect = await callOk<{ inspect: Record<string, unknown> }>(
      client,
      "podman_pod_inspect",
      {
        name: pod,
        fields: ["SharedNamespaces", "Hostname"],
      },
    );
    expect((inspect.inspect.SharedNamespaces as string[]).sort()).toEqual(["ipc", "net"]);
    expect(inspect.inspect.Hostname).toBe("podhost");
    const networks = await callOk<{ inspect: Record<string, unknown> }>(
      client,
      "podman_pod_inspect",
      { name: pod, fields: ["InfraConfig.Networks"] },
    );
    expect(networks.inspect["InfraConfig.Networks"]).toEqual([network]);
  }

  it("stops the running containers of a Degraded pod, which libpod answers 304", async () => {
    const pod = pods.track(uniqueName("degraded"));
    const job = pods.podman.track(uniqueName("job"));
    const sleeper = pods.podman.track(uniqueName("sleeper"));
    await callOk(client, "podman_pod_create", { name: pod });
    await callOk(client, "podman_run", {
      image: image(),
      name: job,
      pod,
      command: ["true"],
      detach: false,
    });
    await callOk(client, "podman_run", {
      image: image(),
      name: sleeper,
      pod,
      command: ["sleep", "600"],
    });
    const listed = await callOk<PodList>(client, "podman_pod_ps", {
      filters: { name: `^${pod}$` },
    });
    expect(listed.pods.map((p) => p.status)).toEqual(["Degraded"]);

    const stopped = await callOk<PodState>(client, "podman_pod_stop", { name: pod, timeout: 1 });
    expect(stopped).toMatchObject({ state: "Exited", changed: true });
    expect(await pods.podman.state(sleeper)).toBe("exited");
    const again = await callOk<PodState>(client, "podman_pod_stop", { name: pod });
    expect(again).toMatchObject({
      changed: false,
      message: expect.stringMatching(/already stopped/),
    });
    expect(await callError(client, "podman_pod_stop", { name: pod, timeout: 0 })).toMatch(
      /timeout/,
    );
  });

  it("reports which container could not start when the pod's port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    const pod = pods.track(uniqueName("taken"));
    try {
      await callOk(client, "podman_pod_create", { name: pod, ports: [`127.0.0.1:${port}:80`] });
      const message = await callError(client, "podman_pod_start", { name: pod });
      expect(message).toMatch(new RegExp(`Starting pod ${pod} failed: .*address already in use`));
      expect(message).not.toMatch(/[0-9a-f]{64}/);
      expect(message).not.toMatch(/"Errs"/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
