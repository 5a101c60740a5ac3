import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PodmanDirect, callError, callOk, testEnv, uniqueName } from "./harness.js";
import { type TokenServer, serveWithTokens } from "./token-server.js";

const OPERATOR = "attack-networks-operator-01";
const ADMIN = "attack-networks-admin-02";
const image = () => testEnv().PODMAN_TEST_IMAGE;

const refusal = (network: string) =>
  `The network "${network}" was not created by mcp-podman: an operate token may only change ` +
  "objects mcp-podman created";

describe("an operate token joins only the server's networks and those --allow-network lists", () => {
  const podman = new PodmanDirect();
  const foreign = uniqueName("foreign-net");
  const owned = uniqueName("owned-net");
  const names = { container: uniqueName("joiner"), pod: uniqueName("joiner-pod") };
  const project = uniqueName("netjoin").replace(/[^a-z0-9_-]/g, "");
  const kubePod = uniqueName("kube-joiner");
  let served: TokenServer;
  let operator: Client;
  let admin: Client;

  beforeAll(async () => {
    served = await serveWithTokens({ [OPERATOR]: "operate", [ADMIN]: "admin" });
    operator = await served.connect(OPERATOR);
    admin = await served.connect(ADMIN);
    const created = await podman.request("POST", "/networks/create", { name: foreign });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  });

  afterAll(async () => {
    await served?.stop();
    podman.track(names.container);
    podman.track(`${project}-app-1`);
    await podman.request("DELETE", `/pods/${names.pod}?force=true`);
    await podman.request("DELETE", `/pods/${kubePod}?force=true`);
    await podman.cleanup();
    const cleanup = new PodmanDirect();
    for (const network of [foreign, owned, `${project}_default`])
      await cleanup.request("DELETE", `/networks/${network}?force=true`);
    await cleanup.cleanup();
  });

  const containersOn = async (network: string) => {
    const filter = encodeURIComponent(JSON.stringify({ network: [network] }));
    const listed = await podman.request("GET", `/containers/json?all=true&filters=${filter}`);
    return ((listed.body ?? []) as { Names: string[] }[]).map((c) => c.Names[0]);
  };

  it("refuses podman_run, pod create, kube play and compose on a foreign network, and nothing joins it", async () => {
    expect(
      await callError(operator, "podman_run", {
        image: image(),
        name: names.container,
        command: ["sleep", "60"],
        network: foreign,
      }),
    ).toContain(refusal(foreign));
    expect(
      await callError(operator, "podman_pod_create", { name: names.pod, network: foreign }),
    ).toContain(refusal(foreign));
    const pod = [
      "apiVersion: v1",
      "kind: Pod",
      `metadata: {name: ${kubePod}}`,
      "spec:",
      "  containers:",
      "  - name: app",
      `    image: ${image()}`,
      "    command: [sleep, '60']",
    ].join("\n");
    expect(
      await callError(operator, "podman_kube_play", { content: pod, network: `bridge,${foreign}` }),
    ).toContain(refusal(foreign));
    const compose = [
      "services:",
      "  app:",
      `    image: ${image()}`,
      '    command: ["sleep", "60"]',
      "    networks: [outside]",
      "networks:",
      `  outside: {external: true, name: ${foreign}}`,
    ].join("\n");
    expect(
      await callError(operator, "podman_compose_up", { content: compose, project_name: project }),
    ).toContain(refusal(foreign));

    expect(await containersOn(foreign)).toEqual([]);
    expect(await podman.exists(names.container)).toBe(false);
    expect((await podman.request("GET", `/pods/${names.pod}/exists`)).status).toBe(404);
    expect((await podman.request("GET", `/pods/${kubePod}/exists`)).status).toBe(404);
  });

  it("lets it join a network it created and the host's default network; admin may join any", async () => {
    await callOk(operator, "podman_network_create", { name: owned });
    await callOk(operator, "podman_run", {
      image: image(),
      name: names.container,
      command: ["sleep", "60"],
      network: owned,
    });
    expect(await containersOn(owned)).toEqual([names.container]);
    await callOk(operator, "podman_rm", { name: names.container, force: true, timeout: 0 });

    await callOk(operator, "podman_pod_create", {
      name: names.pod,
      network: testEnv().PODMAN_TEST_NETWORK,
    });
    await callOk(operator, "podman_pod_rm", { name: names.pod, force: true });

    await callOk(admin, "podman_run", {
      image: image(),
      name: names.container,
      command: ["sleep", "60"],
      network: foreign,
    });
    expect(await containersOn(foreign)).toEqual([names.container]);
  });
});
