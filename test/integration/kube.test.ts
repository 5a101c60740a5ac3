import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { PodmanDirect, call, callError, callOk, testEnv, textOf, uniqueName } from "./harness.js";
import { describeOverTransports } from "./over-transports.js";

interface PlayResult {
  pods: {
    id: string;
    name: string;
    state: string;
    containers: { id: string; name: string; state: string }[];
  }[];
  replaced?: string[];
  container_errors?: string[];
}

/** Serves files and exits on SIGTERM at once (httpd as PID 1 would ignore it for 10 s). */
const WEB_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 80 -h /bin & wait"];

/**
 * The isolated Podman's default network, pteN (see test/env/podman-test-env.sh). kube play
 * is always given it: by default it creates "podman-default-kube-network" on a host bridge
 * named podmanN, which the isolated Podmans of concurrent test runs would share.
 */
function defaultNetwork(): string {
  const env = testEnv() as unknown as Record<string, string | undefined>;
  const network = env.PODMAN_TEST_NETWORK;
  if (!network) throw new Error("PODMAN_TEST_NETWORK is missing from the test environment");
  return network;
}

/** Pods this file created, removed (with their containers) whatever happens. */
class PodLeftovers {
  readonly pods = new Set<string>();
  constructor(readonly podman: PodmanDirect) {}

  pod(name: string) {
    this.pods.add(name);
    return name;
  }

  async remove() {
    for (const name of this.pods) {
      await this.podman.request("DELETE", `/pods/${encodeURIComponent(name)}?force=true`);
    }
    await this.podman.cleanup();
  }
}

async function podExists(podman: PodmanDirect, name: string) {
  return (await podman.request("GET", `/pods/${encodeURIComponent(name)}/exists`)).status === 204;
}

/** Creates and starts a pod with one web container, straight through the API. */
async function createWebPod(podman: PodmanDirect, pod: string, container: string) {
  const created = await podman.request("POST", "/pods/create", { name: pod });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const member = await podman.request("POST", "/containers/create", {
    name: container,
    pod,
    image: testEnv().PODMAN_TEST_IMAGE,
    command: WEB_COMMAND,
  });
  expect(member.status, JSON.stringify(member.body)).toBe(201);
  const started = await podman.request("POST", `/pods/${pod}/start`);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
}

function podYaml(pod: string, command: string[]) {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${pod}`,
    "spec:",
    "  containers:",
    "  - name: app",
    `    image: ${testEnv().PODMAN_TEST_IMAGE}`,
    `    command: ${JSON.stringify(command)}`,
    "",
  ].join("\n");
}

describeOverTransports("kube over %s", {}, ({ client }) => {
  const podman = new PodmanDirect();
  const leftovers = new PodLeftovers(podman);

  afterAll(async () => {
    await leftovers.remove();
  });

  it("generates YAML from a pod, plays it back after the pod is gone, and tears it down", async () => {
    const pod = leftovers.pod(uniqueName("kube"));
    const container = `${pod}-web`;
    await createWebPod(podman, pod, container);

    const generated = await callOk<{ yaml: string }>(client, "podman_kube_generate", {
      names: [pod],
      service: true,
    });
    expect(generated.yaml).toMatch(/^kind: Pod$/m);
    expect(generated.yaml).toMatch(/^kind: Service$/m);
    expect(generated.yaml).toContain(`name: ${pod}`);
    expect(generated.yaml).toContain(`name: ${container}`);
    expect(generated.yaml).toContain("httpd -f -p 80 -h /bin");
    expect(generated.rendered).toBe(generated.yaml);

    const removed = await podman.request("DELETE", `/pods/${pod}?force=true`);
    expect(removed.status).toBe(200);
    expect(await podExists(podman, pod)).toBe(false);

    const played = await callOk<PlayResult>(client, "podman_kube_play", {
      content: generated.yaml,
      network: defaultNetwork(),
    });
    expect(played.pods).toHaveLength(1);
    const [replayed] = played.pods;
    expect(replayed).toMatchObject({ name: pod, state: "Running" });
    expect(replayed!.containers).toHaveLength(1);
    const member = replayed!.containers[0]!;
    expect(member.name).toContain(container);
    expect(member.state).toBe("running");
    expect(await podman.state(member.name)).toBe("running");
    expect(played.rendered).toContain(`Pod ${pod}`);

    const twice = await callError(client, "podman_kube_play", {
      content: generated.yaml,
      network: defaultNetwork(),
    });
    expect(twice).toMatch(/already exists|in use/);
    expect(twice).toMatch(/replace=true/);

    const replaced = await callOk<PlayResult>(client, "podman_kube_play", {
      content: generated.yaml,
      network: defaultNetwork(),
      replace: true,
    });
    expect(replaced.replaced).toEqual([replayed!.id]);
    expect(replaced.pods[0]).toMatchObject({ name: pod, state: "Running" });
    expect(replaced.pods[0]!.id).not.toBe(replayed!.id);
    expect(await podman.state(replaced.pods[0]!.containers[0]!.name)).toBe("running");

    const down = await callOk<{ removed_pods: string[] }>(client, "podman_kube_down", {
      content: generated.yaml,
    });
    expect(down.removed_pods).toEqual([replaced.pods[0]!.id]);
    expect(await podExists(podman, pod)).toBe(false);
    expect(await podman.exists(member.name)).toBe(false);

    // Nothing left to remove: Podman 4 answers an error, Podman 5 an empty teardown.
    const again = await call(client, "podman_kube_down", { content: generated.yaml });
    if (again.isError) expect(textOf(again)).toMatch(/no pod with name or ID|no such pod/i);
    else expect(again.structuredContent).toEqual({ removed_pods: [] });
  });
});

describeOverTransports("kube over stdio", { over: ["stdio"] }, ({ client }) => {
  const podman = new PodmanDirect();
  const leftovers = new PodLeftovers(podman);
  const directory = mkdtempSync(join(tmpdir(), "mcp-podman-kube-"));

  afterAll(async () => {
    await leftovers.remove();
    rmSync(directory, { recursive: true, force: true });
  });

  it("plays and tears down a YAML file from the host, created but not started", async () => {
    const pod = leftovers.pod(uniqueName("kube-file"));
    const file = join(directory, `${pod}.yaml`);
    writeFileSync(file, podYaml(pod, ["sleep", "300"]));

    const played = await callOk<PlayResult>(client, "podman_kube_play", {
      file,
      start: false,
      network: defaultNetwork(),
    });
    expect(played.pods).toHaveLength(1);
    expect(played.pods[0]).toMatchObject({ name: pod });
    const [app] = played.pods[0]!.containers;
    expect(app!.name).toContain("app");
    expect(app!.state).toMatch(/created|configured/);
    expect(await podman.state(app!.name)).toMatch(/created|configured/);

    const down = await callOk<{ removed_pods: string[] }>(client, "podman_kube_down", { file });
    expect(down.removed_pods).toEqual([played.pods[0]!.id]);
    expect(await podExists(podman, pod)).toBe(false);
  });

  it("turns bad YAML, missing files and unknown names into one clear sentence", async () => {
    const pod = leftovers.pod(uniqueName("kube-bad"));
    const missing = join(directory, "absent.yaml");
    expect(await callError(client, "podman_kube_play", { file: missing })).toMatch(
      new RegExp(`cannot read ${missing}.*no such file`, "i"),
    );
    expect(await callError(client, "podman_kube_down", { file: missing })).toMatch(/no such file/i);
    expect(
      await callError(client, "podman_kube_play", {
        content: podYaml(pod, ["true"]),
        file: missing,
      }),
    ).toMatch(/exactly one of content/i);
    expect(await callError(client, "podman_kube_play", {})).toMatch(/exactly one of content/i);

    expect(
      await callError(client, "podman_kube_play", { content: "kind: Pod\nmetadata: [oops\n" }),
    ).toMatch(/YAML is invalid.*line \d+, column \d+/);
    expect(await callError(client, "podman_kube_play", { content: "just words" })).toMatch(
      /not a Kubernetes object/,
    );
    expect(await callError(client, "podman_kube_play", { content: "a: 1\nb: 2\n" })).toMatch(
      /no document has a `kind`/,
    );
    expect(await podExists(podman, pod)).toBe(false);

    const absent = uniqueName("absent");
    expect(await callError(client, "podman_kube_generate", { names: [absent] })).toMatch(
      new RegExp(`${absent}.*not found`),
    );
    expect(await callError(client, "podman_kube_generate", { names: [] })).toMatch(/names/);
  });

  it("says a failed play may leave a partly created pod, which kube down removes", async () => {
    const pod = leftovers.pod(uniqueName("kube-nonet"));
    const yaml = podYaml(pod, ["true"]);
    const failed = await callError(client, "podman_kube_play", {
      content: yaml,
      network: uniqueName("no-such-network"),
    });
    expect(failed).toMatch(/network/);
    expect(failed).toMatch(/podman_kube_down/);
    if (await podExists(podman, pod)) {
      const down = await callOk<{ removed_pods: string[] }>(client, "podman_kube_down", {
        content: yaml,
      });
      expect(down.removed_pods).toHaveLength(1);
      expect(await podExists(podman, pod)).toBe(false);
    }
  });
});
