import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Connected,
  PodmanDirect,
  type RunningServer,
  callError,
  callOk,
  connect,
  connectHttp,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

const MANAGED = "io.mcp-podman.managed";
const image = () => testEnv().PODMAN_TEST_IMAGE;
const network = () => (testEnv() as unknown as Record<string, string>).PODMAN_TEST_NETWORK!;

const MESSAGES = {
  hostNetwork:
    "the host's network namespace for containers are refused by policy: start mcp-podman with --allow-host-namespaces to allow them",
  privileged:
    "privileged containers are refused by policy: start mcp-podman with --allow-privileged to allow them",
  capAdd:
    "added capabilities (NET_ADMIN) are refused by policy: start mcp-podman with --allow-cap-add to allow them",
  rootBind:
    'bind mounts of host paths are refused by policy, and "/" is under no allowed directory: start mcp-podman with --allow-bind DIR (DIR containing it) to allow it',
};

/** How the server words a message as a sentence. */
const said = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;

const composeFilter = (project: string) =>
  encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));

/** Everything a compose project would have created, by its project label. */
async function composeLeftovers(podman: PodmanDirect, project: string) {
  const query = composeFilter(project);
  const containers = await podman.request("GET", `/containers/json?all=true&filters=${query}`);
  const networks = await podman.request("GET", `/networks/json?filters=${query}`);
  const volumes = await podman.request("GET", `/volumes/json?filters=${query}`);
  return [
    ...((containers.body ?? []) as { Names: string[] }[]).map((c) => c.Names[0]),
    ...((networks.body ?? []) as { name: string }[]).map((n) => n.name),
    ...((volumes.body ?? []) as { Name: string }[]).map((v) => v.Name),
  ];
}

const kubePod = (name: string, spec: string[], container: string[] = []) =>
  [
    "apiVersion: v1",
    "kind: Pod",
    `metadata: {name: ${name}}`,
    "spec:",
    ...spec.map((line) => `  ${line}`),
    "  containers:",
    "  - name: app",
    `    image: ${image()}`,
    "    command: [sleep, '60']",
    ...container.map((line) => `    ${line}`),
  ].join("\n");

const podExists = async (podman: PodmanDirect, name: string) =>
  (await podman.request("GET", `/pods/${name}/exists`)).status === 204;

describe("container policy: refused by default", () => {
  let connection: Connected;
  const podman = new PodmanDirect();
  const pods: string[] = [];

  beforeAll(async () => {
    connection = await connect("stdio");
  });
  afterAll(async () => {
    await connection?.close();
    for (const pod of pods) await podman.request("DELETE", `/pods/${pod}?force=true`);
    await podman.cleanup();
  });

  it("refuses the host network and a / bind through podman_run, creating nothing", async () => {
    const name = podman.track(uniqueName("pol-run"));
    expect(
      await callError(connection.client, "podman_run", { image: image(), name, network: "host" }),
    ).toBe(said(MESSAGES.hostNetwork));
    expect(
      await callError(connection.client, "podman_run", {
        image: image(),
        name,
        volumes: ["/:/host"],
      }),
    ).toBe(said(MESSAGES.rootBind));
    expect(await podman.exists(name)).toBe(false);
  });

  it("refuses a pod on the host network", async () => {
    const pod = uniqueName("pol-pod");
    pods.push(pod);
    expect(
      await callError(connection.client, "podman_pod_create", { name: pod, network: "host" }),
    ).toBe(said(MESSAGES.hostNetwork));
    expect(await podExists(podman, pod)).toBe(false);
  });

  it("refuses a container joining a pod that uses the host network", async () => {
    const pod = uniqueName("pol-hostpod");
    pods.push(pod);
    const created = await podman.request("POST", "/pods/create", {
      name: pod,
      netns: { nsmode: "host" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const name = podman.track(uniqueName("pol-in-hostpod"));
    expect(await callError(connection.client, "podman_run", { image: image(), name, pod })).toBe(
      said(MESSAGES.hostNetwork),
    );
    expect(await podman.exists(name)).toBe(false);
    expect(
      await callError(connection.client, "podman_kube_play", {
        content: kubePod(uniqueName("polkube-net"), []),
        network: "host",
      }),
    ).toBe(said(MESSAGES.hostNetwork));
  });

  it.each([
    ["privileged: true", MESSAGES.privileged],
    ["cap_add: [NET_ADMIN]", MESSAGES.capAdd],
    ["volumes: ['/:/host']", MESSAGES.rootBind],
  ])("refuses compose %s before creating anything", async (line, message) => {
    const project = uniqueName("polcmp");
    const content = [
      `name: ${project}`,
      "services:",
      "  first:",
      `    image: ${image()}`,
      "    command: [sleep, '60']",
      "  bad:",
      `    image: ${image()}`,
      `    ${line}`,
      "volumes: {data: }",
    ].join("\n");
    const text = await callError(connection.client, "podman_compose_up", { content });
    expect(text).toBe(`Service "bad": ${message}.`);
    expect(await composeLeftovers(podman, project)).toEqual([]);
  });

  it("refuses compose network_mode: host (not a supported key) before creating anything", async () => {
    const project = uniqueName("polcmp");
    const content = [
      `name: ${project}`,
      "services:",
      "  web:",
      `    image: ${image()}`,
      "    network_mode: host",
    ].join("\n");
    expect(await callError(connection.client, "podman_compose_up", { content })).toMatch(
      /unsupported key "network_mode"/,
    );
    expect(await composeLeftovers(podman, project)).toEqual([]);
  });

  it.each([
    ["hostNetwork", ["hostNetwork: true"], [], MESSAGES.hostNetwork],
    [
      "privileged",
      [],
      ["securityContext: {privileged: true}"],
      `container "app": ${MESSAGES.privileged}`,
    ],
    [
      "hostPath",
      ["volumes: [{name: root, hostPath: {path: /, type: Directory}}]"],
      [],
      MESSAGES.rootBind,
    ],
  ])("refuses kube %s before playing anything", async (_, spec, container, message) => {
    const pod = uniqueName("polkube");
    pods.push(pod);
    const harmlessPod = uniqueName("polkube-ok");
    pods.push(harmlessPod);
    const content = `${kubePod(harmlessPod, [])}\n---\n${kubePod(pod, spec, container)}`;
    const text = await callError(connection.client, "podman_kube_play", {
      content,
      network: network(),
    });
    expect(text).toBe(`Pod "${pod}": ${message}.`);
    expect(await podExists(podman, pod)).toBe(false);
    expect(await podExists(podman, harmlessPod)).toBe(false);
  });

  it("labels what it creates: run containers, pods, kube pods and their containers", async () => {
    const name = podman.track(uniqueName("pol-label"));
    await callOk(connection.client, "podman_run", {
      image: image(),
      name,
      command: ["sleep", "60"],
    });
    const inspected = await podman.request("GET", `/containers/${name}/json`);
    expect(inspected.body.Config.Labels[MANAGED]).toBe("true");

    const pod = uniqueName("pol-kube-label");
    pods.push(pod);
    await callOk(connection.client, "podman_kube_play", {
      content: kubePod(pod, []),
      network: network(),
    });
    const played = await podman.request("GET", `/pods/${pod}/json`);
    expect(played.body.Labels[MANAGED]).toBe("true");
    const member = (played.body.Containers as { Id: string }[]).find(
      (c) => c.Id !== played.body.InfraContainerID,
    )!;
    const container = await podman.request("GET", `/containers/${member.Id}/json`);
    expect(container.body.Config.Labels[MANAGED]).toBe("true");
  });
});

describe("container policy: allowed by its flag", () => {
  let connection: Connected;
  const podman = new PodmanDirect();
  let hostDir: string;

  beforeAll(async () => {
    hostDir = mkdtempSync(join(tmpdir(), "mcp-podman-policy-"));
    writeFileSync(join(hostDir, "note.txt"), "allowed bind\n");
    chmodSync(hostDir, 0o755); // a rootless Podman's containers are not root on the host
    connection = await connect("stdio", ["--allow-bind", tmpdir(), "--max-memory", "64m"]);
  });
  afterAll(async () => {
    await connection?.close();
    await podman.cleanup();
    rmSync(hostDir, { recursive: true, force: true });
  });

  it("runs with a bind of a directory under --allow-bind, with the default memory limit", async () => {
    const name = podman.track(uniqueName("pol-bind"));
    if (await podman.ignoresResourceLimits()) {
      expect(
        await callError(connection.client, "podman_run", {
          image: image(),
          name,
          volumes: [`${hostDir}:/data:ro`],
          command: ["cat", "/data/note.txt"],
        }),
      ).toMatch(/rootless on cgroups v1, .* the ceiling set by --max-memory cannot be enforced/);
      expect(await podman.exists(name)).toBe(false);
      return;
    }
    const run = await callOk<{ exit_code: number; logs: { text: string } }>(
      connection.client,
      "podman_run",
      {
        image: image(),
        name,
        volumes: [`${hostDir}:/data:ro`],
        command: ["cat", "/data/note.txt"],
        detach: false,
      },
    );
    expect(run.exit_code).toBe(0);
    expect(run.logs.text).toContain("allowed bind");
    const inspected = await podman.request("GET", `/containers/${name}/json`);
    expect(inspected.body.HostConfig.Memory).toBe(64 * 1024 * 1024);
  });

  it("holds compose and kube workloads to --max-memory, or refuses where Podman would drop it", async () => {
    const project = uniqueName("polmem");
    const pod = uniqueName("polmem-kube");
    const compose = [
      `name: ${project}`,
      "services:",
      "  app:",
      `    image: ${image()}`,
      "    command: [sleep, '60']",
    ].join("\n");
    const kube = { content: kubePod(pod, []), network: network() };
    const memoryOf = async (id: string) =>
      (await podman.request("GET", `/containers/${id}/json`)).body.HostConfig.Memory;
    try {
      if (await podman.ignoresResourceLimits()) {
        const refusal =
          /rootless on cgroups v1, .* the ceiling set by --max-memory cannot be enforced/;
        expect(
          await callError(connection.client, "podman_compose_up", { content: compose }),
        ).toMatch(refusal);
        expect(await composeLeftovers(podman, project)).toEqual([]);
        expect(await callError(connection.client, "podman_kube_play", kube)).toMatch(refusal);
        expect(await podExists(podman, pod)).toBe(false);
        return;
      }
      const up = await callOk<{ services: { id: string }[] }>(
        connection.client,
        "podman_compose_up",
        { content: compose },
      );
      expect(await memoryOf(up.services[0]!.id)).toBe(64 * 1024 * 1024);
      await callOk(connection.client, "podman_kube_play", kube);
      const played = await podman.request("GET", `/pods/${pod}/json`);
      const member = (played.body.Containers as { Id: string }[]).find(
        (c) => c.Id !== played.body.InfraContainerID,
      )!;
      expect(await memoryOf(member.Id)).toBe(64 * 1024 * 1024);
    } finally {
      await podman.request("DELETE", `/pods/${pod}?force=true`);
      const query = composeFilter(project);
      const containers = await podman.request("GET", `/containers/json?all=true&filters=${query}`);
      for (const { Id } of (containers.body ?? []) as { Id: string }[]) {
        await podman.request("DELETE", `/containers/${Id}?force=true&timeout=0`);
      }
      const networks = await podman.request("GET", `/networks/json?filters=${query}`);
      for (const { name } of (networks.body ?? []) as { name: string }[]) {
        await podman.request("DELETE", `/networks/${name}`);
      }
    }
  });

  it("still refuses a bind outside it, and a memory request above --max-memory", async () => {
    const name = podman.track(uniqueName("pol-bind"));
    expect(
      await callError(connection.client, "podman_run", {
        image: image(),
        name,
        volumes: ["/etc:/etc2"],
      }),
    ).toContain('"/etc" is under no allowed directory');
    expect(
      await callError(connection.client, "podman_run", { image: image(), name, memory: "1g" }),
    ).toBe(
      "A memory limit of 1024m is above the ceiling of 64m set by --max-memory: ask for at most 64m, or start mcp-podman with a higher --max-memory.",
    );
    expect(await podman.exists(name)).toBe(false);
  });
});

describe("ownership", () => {
  const OPERATOR = "policy-operator-token-01";
  const ADMIN = "policy-admin-token-0002";
  let dir: string;
  let server: RunningServer;
  let strict: RunningServer;
  const podman = new PodmanDirect();

  /** A running container created behind the server's back, without the managed label. */
  async function foreignContainer() {
    const name = podman.track(uniqueName("pol-foreign"));
    const created = await podman.request("POST", "/containers/create", {
      name,
      image: image(),
      command: ["sleep", "600"],
    });
    expect(created.status).toBe(201);
    expect((await podman.request("POST", `/containers/${name}/start`)).status).toBe(204);
    return name;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-ownership-"));
    const tokenFile = join(dir, "tokens");
    writeFileSync(tokenFile, `${OPERATOR} operate\n${ADMIN} admin\n`, { mode: 0o600 });
    server = await startHttpServer(["--token-file", tokenFile]);
    strict = await startHttpServer(["--token-file", tokenFile, "--managed-only"]);
  });
  afterAll(async () => {
    await server?.stop();
    await strict?.stop();
    await podman.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses an operate token changing a container mcp-podman did not create; admin may", async () => {
    const name = await foreignContainer();
    const operator = await connectHttp(server.url, OPERATOR);
    for (const [tool, args] of [
      ["podman_stop", { name, timeout: 0 }],
      ["podman_exec", { name, command: ["true"] }],
      ["podman_rm", { name, force: true }],
    ] as const) {
      const refused = await operator.callTool({ name: tool, arguments: args });
      expect(refused.isError, tool).toBe(true);
      expect(textOf(refused as never)).toBe(
        `The container "${name}" was not created by mcp-podman: an operate token may only change ` +
          "objects mcp-podman created; an admin token may change anything (unless --managed-only).",
      );
    }
    expect(await podman.state(name)).toBe("running");

    const own = podman.track(uniqueName("pol-own"));
    await callOk(operator, "podman_run", { image: image(), name: own, command: ["sleep", "600"] });
    const stoppedOwn = await callOk<{ state: string }>(operator, "podman_stop", {
      name: own,
      timeout: 0,
    });
    expect(stoppedOwn.state).toBe("exited");
    await operator.close();

    const admin = await connectHttp(server.url, ADMIN);
    const stopped = await callOk<{ state: string }>(admin, "podman_stop", { name, timeout: 0 });
    expect(stopped.state).toBe("exited");
    await admin.close();
  });

  it("refuses an operate token stopping a foreign pod or taking down a foreign compose project", async () => {
    const pod = uniqueName("pol-foreign-pod");
    expect((await podman.request("POST", "/pods/create", { name: pod })).status).toBe(201);
    const project = uniqueName("polforeign");
    const member = podman.track(`${project}-web-1`);
    const created = await podman.request("POST", "/containers/create", {
      name: member,
      image: image(),
      command: ["sleep", "600"],
      labels: { "com.docker.compose.project": project, "com.docker.compose.service": "web" },
    });
    expect(created.status).toBe(201);
    const operator = await connectHttp(server.url, OPERATOR);
    try {
      expect(await callError(operator, "podman_pod_rm", { name: pod, force: true })).toBe(
        `The pod "${pod}" was not created by mcp-podman: an operate token may only change ` +
          "objects mcp-podman created; an admin token may change anything (unless --managed-only).",
      );
      expect(await podExists(podman, pod)).toBe(true);
      const content = `name: ${project}\nservices:\n  web:\n    image: ${image()}\n`;
      expect(await callError(operator, "podman_compose_down", { content })).toMatch(
        new RegExp(`^The container "/?${member}" was not created by mcp-podman`),
      );
      expect(await podman.exists(member)).toBe(true);
    } finally {
      await operator.close();
      await podman.request("DELETE", `/pods/${pod}?force=true`);
    }
  });

  it("with --managed-only refuses even an admin token", async () => {
    const name = await foreignContainer();
    const admin = await connectHttp(strict.url, ADMIN);
    const refused = await admin.callTool({ name: "podman_stop", arguments: { name, timeout: 0 } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused as never)).toBe(
      `The container "${name}" was not created by mcp-podman: with --managed-only no token may ` +
        "change objects mcp-podman did not create.",
    );
    expect(await podman.state(name)).toBe("running");
    await admin.close();
  });
});
