import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import fc from "fast-check";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PodmanDirect, call, callError, callOk, testEnv, textOf, uniqueName } from "./harness.js";
import { type TokenServer, serveWithTokens } from "./token-server.js";

const OPERATOR = "kube-attacker-operate-0001";
const MANAGED = "io.mcp-podman.managed";
const image = () => testEnv().PODMAN_TEST_IMAGE;
const network = () => (testEnv() as unknown as Record<string, string>).PODMAN_TEST_NETWORK!;
/** An image from a registry --allowed-registries does not list (never pulled: refused first). */
const FOREIGN_IMAGE = "127.0.0.1:1/evil/busybox:latest";

interface PodInspect {
  Id: string;
  Name: string;
  Labels?: Record<string, string>;
  Containers: { Id: string; Name: string }[];
}
interface ContainerInspect {
  Name: string;
  HostConfig: {
    Privileged: boolean;
    NetworkMode: string;
    PidsLimit?: number;
    SecurityOpt?: string[];
  };
  Mounts: { Type: string; Source: string; Name?: string }[];
}

/** Everything this file makes, removed by name whatever happens. */
class Made {
  readonly pods = new Set<string>();
  readonly volumes = new Set<string>();
  readonly secrets = new Set<string>();
  constructor(readonly podman: PodmanDirect) {}

  pod(name: string) {
    this.pods.add(name);
    return name;
  }

  async remove() {
    for (const pod of this.pods)
      await this.podman.request("DELETE", `/pods/${encodeURIComponent(pod)}?force=true`);
    for (const volume of this.volumes)
      await this.podman.request("DELETE", `/volumes/${encodeURIComponent(volume)}?force=true`);
    for (const secret of this.secrets)
      await this.podman.request("DELETE", `/secrets/${encodeURIComponent(secret)}`);
    await this.podman.cleanup();
  }
}

const podExists = async (podman: PodmanDirect, name: string) =>
  (await podman.request("GET", `/pods/${encodeURIComponent(name)}/exists`)).status === 204;

/** Names of the containers whose name starts with the pod's (kube play names them "<pod>-<container>"). */
async function containersOf(podman: PodmanDirect, pod: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ name: [`^${pod}`] }));
  const { body } = await podman.request("GET", `/containers/json?all=true&filters=${filters}`);
  return ((body ?? []) as { Names: string[] }[]).flatMap((c) => c.Names);
}

const podLines = (name: string, spec: string[], container: string[] = []) =>
  [
    "apiVersion: v1",
    "kind: Pod",
    `metadata: {name: ${name}}`,
    "spec:",
    ...spec.map((line) => `  ${line}`),
    "  containers:",
    "  - name: app",
    `    image: ${image()}`,
    "    command: [sleep, '300']",
    ...container.map((line) => `    ${line}`),
  ].join("\n");

/** Each variant is a pod named `name` that, read as Podman reads it, would reach the host or others. */
const PLAY_ATTACKS: [string, (name: string) => string, RegExp][] = [
  [
    "the issue's exploit: Spec, HostNetwork, HostPath and Privileged in another case",
    (name) =>
      [
        "apiVersion: v1",
        "kind: Pod",
        `metadata: {name: ${name}}`,
        "Spec:",
        "  HostNetwork: true",
        "  Volumes: [{name: root, HostPath: {path: /}}]",
        "  containers:",
        "  - name: app",
        `    image: ${image()}`,
        "    command: [sleep, '300']",
        "    VolumeMounts: [{name: root, mountPath: /host}]",
        "    SecurityContext: {Privileged: true}",
      ].join("\n"),
    /Spec: Podman reads field names in any case.*spell it "spec" exactly/,
  ],
  ["hostnetwork in lower case", (n) => podLines(n, ["hostnetwork: true"]), /"hostNetwork"/],
  ["HOSTPID in capitals", (n) => podLines(n, ["HOSTPID: true"]), /"hostPID"/],
  ["hostNetwork with a long s", (n) => podLines(n, ["ho\u017FtNetwork: true"]), /"hostNetwork"/],
  [
    "Privileged in a container's securityContext",
    (n) => podLines(n, [], ["securityContext: {Privileged: true}"]),
    /securityContext.Privileged/,
  ],
  [
    "a HostPath volume of /",
    (n) =>
      podLines(
        n,
        ["volumes: [{name: r, HostPath: {path: /}}]"],
        ["volumeMounts: [{name: r, mountPath: /host}]"],
      ),
    /HostPath/,
  ],
  [
    "a hostPath whose Path is /",
    (n) =>
      podLines(
        n,
        ["volumes: [{name: r, hostPath: {Path: /}}]"],
        ["volumeMounts: [{name: r, mountPath: /host}]"],
      ),
    /hostPath.Path/,
  ],
  [
    "a merge key bringing hostNetwork",
    (n) => podLines(n, ["<<: {hostNetwork: true}"]),
    /merge key/,
  ],
  [
    "an alias to a privileged securityContext",
    (n) => `x-base: &p {privileged: true}\n${podLines(n, [], ["securityContext: *p"])}`,
    /anchor/,
  ],
  [
    "a repeated key whose last value is true",
    (n) => podLines(n, ["hostNetwork: false", "hostNetwork: true"]),
    /repeats a key/,
  ],
  [
    "two spellings side by side",
    (n) => podLines(n, ["hostNetwork: false", "HostNetwork: true"]),
    /differ only in case/,
  ],
  [
    "JSON with HostNetwork",
    (n) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: n },
        spec: {
          HostNetwork: true,
          containers: [{ name: "app", image: image(), command: ["sleep", "300"] }],
        },
      }),
    /"hostNetwork"/,
  ],
  [
    "a seccomp annotation Podman honours (measured: it runs unconfined)",
    (n) =>
      podLines(n, [], []).replace(
        `metadata: {name: ${n}}`,
        `metadata: {name: ${n}, annotations: {container.seccomp.security.alpha.kubernetes.io/app: unconfined}}`,
      ),
    /--allow-unconfined/,
  ],
  [
    "a user namespace annotation",
    (n) =>
      podLines(n, []).replace(
        `metadata: {name: ${n}}`,
        `metadata: {name: ${n}, annotations: {io.podman.annotations.userns: host}}`,
      ),
    /--allow-host-namespaces/,
  ],
  [
    "a hostNetwork string 'true'",
    (n) => podLines(n, ["hostNetwork: 'true'"]),
    /must be true or false/,
  ],
  [
    "unmasked /proc",
    (n) => podLines(n, [], ["securityContext: {procMount: Unmasked}"]),
    /procMount/,
  ],
  [
    "a field the checker does not know (sysctls)",
    (n) => podLines(n, ["securityContext: {sysctls: [{name: net.ipv4.ip_forward, value: '1'}]}"]),
    /does not know this field/,
  ],
  [
    "a second image spelling from another registry",
    (n) => podLines(n, [], [`Image: ${FOREIGN_IMAGE}`]),
    /differ only in case/,
  ],
  [
    "an image from a registry not allowed",
    (n) => podLines(n, []).replace(image(), FOREIGN_IMAGE),
    /--allowed-registries/,
  ],
  [
    "a kind the checker does not know, hiding a pod",
    (n) =>
      [
        "apiVersion: apps/v1",
        "kind: DaemonSet",
        `metadata: {name: ${n}}`,
        "spec:",
        "  template:",
        "    spec:",
        "      hostNetwork: true",
        `      containers: [{name: app, image: ${image()}}]`,
      ].join("\n"),
    /only the kinds its policy can judge/,
  ],
  [
    "a harmless pod first, the host network in the second document",
    (n) => `${podLines(`${n}-first`, [])}\n---\n${podLines(n, ["hostNetwork: true"])}`,
    /host's network namespace/,
  ],
];

describe("kube YAML attacks with an operate token", () => {
  const podman = new PodmanDirect();
  const made = new Made(podman);
  let served: TokenServer;
  let client: Client;
  let foreignPod: string;
  let foreignVolume: string;

  beforeAll(async () => {
    served = await serveWithTokens({ [OPERATOR]: "operate" }, [
      "--allowed-registries",
      "localhost",
    ]);
    client = await served.connect(OPERATOR);
    foreignPod = made.pod(uniqueName("ak-foreign"));
    const created = await podman.request("POST", "/pods/create", { name: foreignPod });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    foreignVolume = uniqueName("ak-foreign-vol");
    made.volumes.add(foreignVolume);
    const volume = await podman.request("POST", "/volumes/create", { Name: foreignVolume });
    expect(volume.status, JSON.stringify(volume.body)).toBe(201);
  });
  afterAll(async () => {
    await served?.stop();
    await made.remove();
  });

  it.each(PLAY_ATTACKS)("refuses %s, creating nothing", async (_, write, message) => {
    const pod = made.pod(uniqueName("ak-play"));
    made.pod(`${pod}-first`);
    const text = await callError(client, "podman_kube_play", {
      content: write(pod),
      network: network(),
    });
    expect(text).toMatch(message);
    expect(await podExists(podman, pod)).toBe(false);
    expect(await podExists(podman, `${pod}-first`)).toBe(false);
    expect(await containersOf(podman, pod)).toEqual([]);
  });

  it("refuses to mount a volume mcp-podman did not create: by claimName, claim, emptyDir or configMap", async () => {
    const pod = made.pod(uniqueName("ak-vol"));
    const mounting = podLines(
      pod,
      [`volumes: [{name: d, persistentVolumeClaim: {claimName: ${foreignVolume}}}]`],
      ["volumeMounts: [{name: d, mountPath: /data}]"],
    );
    expect(
      await callError(client, "podman_kube_play", { content: mounting, network: network() }),
    ).toMatch(new RegExp(`the volume "${foreignVolume}" was not created by mcp-podman`, "i"));
    const claiming = `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${foreignVolume}}\n---\n${mounting}`;
    expect(
      await callError(client, "podman_kube_play", { content: claiming, network: network() }),
    ).toMatch(/was not created by mcp-podman/);
    // Podman 4.3 backs emptyDir and configMap volumes with a named volume of that name (measured).
    const emptyDir = podLines(
      pod,
      [`volumes: [{name: ${foreignVolume}, emptyDir: {}}]`],
      [`volumeMounts: [{name: ${foreignVolume}, mountPath: /data}]`],
    );
    const configMap = [
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${foreignVolume}}\ndata: {a: b}`,
      "---",
      podLines(
        pod,
        [`volumes: [{name: c, configMap: {name: ${foreignVolume}}}]`],
        ["volumeMounts: [{name: c, mountPath: /data}]"],
      ),
    ].join("\n");
    for (const content of [emptyDir, configMap]) {
      expect(
        await callError(client, "podman_kube_play", { content, network: network() }),
        content,
      ).toMatch(/was not created by mcp-podman/);
    }
    expect(await podExists(podman, pod)).toBe(false);
    expect(await containersOf(podman, pod)).toEqual([]);
    const volume = await podman.request("GET", `/volumes/${foreignVolume}/json`);
    expect(volume.status).toBe(200);
    expect(volume.body.Labels?.[MANAGED]).toBeUndefined();
  });

  it("refuses to read a Podman secret into a container", async () => {
    const secret = uniqueName("ak-secret");
    made.secrets.add(secret);
    const created = await podman.request("POST", `/secrets/create?name=${secret}`, "top-secret");
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const pod = made.pod(uniqueName("ak-secret-pod"));
    for (const content of [
      podLines(pod, [], [`env: [{name: T, valueFrom: {secretKeyRef: {name: ${secret}, key: k}}}]`]),
      podLines(pod, [], [`envFrom: [{secretRef: {name: ${secret}}}]`]),
      podLines(
        pod,
        [`volumes: [{name: s, secret: {secretName: ${secret}}}]`],
        ["volumeMounts: [{name: s, mountPath: /s}]"],
      ),
    ]) {
      expect(await callError(client, "podman_kube_play", { content, network: network() })).toMatch(
        /reads the Podman secret .*an operate token may only use objects mcp-podman created/,
      );
    }
    expect(await podExists(podman, pod)).toBe(false);
  });

  it.each<[string, (mine: string, foreign: string) => string]>([
    [
      "a second Name",
      (mine, foreign) =>
        podLines(mine, []).replace(`{name: ${mine}}`, `{name: ${mine}, Name: ${foreign}}`),
    ],
    [
      "a Metadata beside metadata",
      (mine, foreign) => `${podLines(mine, [])}\nMetadata: {name: ${foreign}}`,
    ],
    ["Metadata alone", (_, foreign) => podLines(foreign, []).replace("metadata:", "Metadata:")],
    [
      "a merge key bringing the name",
      (mine, foreign) => podLines(mine, []).replace(`{name: ${mine}}`, `{<<: {name: ${foreign}}}`),
    ],
    ["the foreign name itself", (_, foreign) => podLines(foreign, [])],
  ])("refuses kube down with %s, and the foreign pod stays", async (_, write) => {
    const mine = made.pod(uniqueName("ak-mine"));
    await callOk(client, "podman_kube_play", {
      content: podLines(mine, []),
      network: network(),
      start: false,
    });
    const result = await call(client, "podman_kube_down", { content: write(mine, foreignPod) });
    expect(result.isError, textOf(result)).toBe(true);
    expect(await podExists(podman, foreignPod)).toBe(true);
    expect(await podExists(podman, mine)).toBe(true);
    await callOk(client, "podman_kube_down", { content: podLines(mine, []) });
    expect(await podExists(podman, mine)).toBe(false);
  });

  it("refuses kube down of a Deployment whose replicas reach a foreign pod (Podman 4 names them <name>-pod-<i>)", async () => {
    const deployment = uniqueName("ak-dep");
    // Podman 5 names a Deployment's single pod <name>-pod.
    const played = [made.pod(`${deployment}-pod-0`), made.pod(`${deployment}-pod`)];
    const foreign = made.pod(`${deployment}-pod-1`);
    const yaml = (replicas: number) =>
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        `metadata: {name: ${deployment}}`,
        `spec: {replicas: ${replicas}, template: {spec: {containers: [{name: app, image: ${image()}, command: [sleep, '300']}]}}}`,
      ].join("\n");
    await callOk(client, "podman_kube_play", {
      content: yaml(1),
      network: network(),
      start: false,
    });
    const exists = await Promise.all(played.map((name) => podExists(podman, name)));
    expect(exists.filter(Boolean)).toHaveLength(1);
    const mine = played[exists.indexOf(true)]!;
    const created = await podman.request("POST", "/pods/create", { name: foreign });
    expect(created.status).toBe(201);
    expect(await callError(client, "podman_kube_down", { content: yaml(2) })).toMatch(
      new RegExp(`the pod "${foreign}" was not created by mcp-podman`, "i"),
    );
    expect(await podExists(podman, foreign)).toBe(true);
    expect(await podExists(podman, mine)).toBe(true);
    await callOk(client, "podman_kube_down", { content: yaml(1) });
    expect(await podExists(podman, mine)).toBe(false);
    expect(await podExists(podman, foreign)).toBe(true);
  });

  it("still plays and tears down legitimate YAML, labelled, with volumes it created", async () => {
    const pod = made.pod(uniqueName("ak-ok"));
    const claim = uniqueName("ak-ok-claim");
    made.volumes.add(claim);
    const scratch = uniqueName("ak-ok-scratch");
    made.volumes.add(scratch);
    const content = [
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: ${claim}}`,
      "---",
      podLines(
        pod,
        [
          `volumes: [{name: d, persistentVolumeClaim: {claimName: ${claim}}}, {name: ${scratch}, emptyDir: {}}]`,
        ],
        [
          `volumeMounts: [{name: d, mountPath: /data}, {name: ${scratch}, mountPath: /scratch}]`,
          "env: [{name: MODE, value: test}]",
        ],
      ),
    ].join("\n");
    const played = await callOk<{ pods: { name: string; state: string }[]; volumes?: string[] }>(
      client,
      "podman_kube_play",
      { content, network: network() },
    );
    expect(played.pods).toMatchObject([{ name: pod, state: "Running" }]);
    expect(played.volumes).toEqual([claim]);
    const { body } = await podman.request("GET", `/pods/${pod}/json`);
    expect((body as PodInspect).Labels?.[MANAGED]).toBe("true");
    const volume = await podman.request("GET", `/volumes/${claim}/json`);
    expect(volume.body.Labels[MANAGED]).toBe("true");
    const replayed = await callOk<{ replaced?: string[] }>(client, "podman_kube_play", {
      content: podLines(pod, [], []),
      network: network(),
      replace: true,
    });
    expect(replayed.replaced).toHaveLength(1);
    await callOk(client, "podman_kube_down", { content });
    expect(await podExists(podman, pod)).toBe(false);
  });

  it("plays a ConfigMap volume again after kube down (Podman keeps its volume: labelled first)", async () => {
    const pod = made.pod(uniqueName("ak-cm"));
    const configMap = uniqueName("ak-cm-data");
    made.volumes.add(configMap);
    const content = [
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${configMap}}\ndata: {greeting: hello}`,
      "---",
      podLines(
        pod,
        [`volumes: [{name: c, configMap: {name: ${configMap}}}]`],
        ["volumeMounts: [{name: c, mountPath: /config}]"],
      ),
    ].join("\n");
    for (let round = 0; round < 2; round += 1) {
      await callOk(client, "podman_kube_play", { content, network: network(), start: false });
      const volume = await podman.request("GET", `/volumes/${configMap}/json`);
      expect(volume.body.Labels?.[MANAGED]).toBe("true");
      await callOk(client, "podman_kube_down", { content });
      expect(await podExists(podman, pod)).toBe(false);
    }
  });
});

describe("kube play while --max-pids is set", () => {
  const podman = new PodmanDirect();
  const made = new Made(podman);
  let served: TokenServer;
  let client: Client;

  beforeAll(async () => {
    served = await serveWithTokens({ [OPERATOR]: "operate" }, ["--max-pids", "100"]);
    client = await served.connect(OPERATOR);
  });
  afterAll(async () => {
    await served?.stop();
    await made.remove();
  });

  it("refuses pods (kube YAML has no pids limit that holds on Podman 4.3), creating nothing", async () => {
    const pod = made.pod(uniqueName("ak-pids"));
    expect(
      await callError(client, "podman_kube_play", {
        content: podLines(pod, []),
        network: network(),
      }),
    ).toMatch(/--max-pids/);
    expect(await podExists(podman, pod)).toBe(false);
    expect(await containersOf(podman, pod)).toEqual([]);
  });
});

describe("kube fuzz against the real Podman: what is accepted does nothing beyond the policy", () => {
  const podman = new PodmanDirect();
  const made = new Made(podman);
  let allowed: string;
  let served: TokenServer;
  let client: Client;

  beforeAll(async () => {
    allowed = mkdtempSync(join(tmpdir(), "mcp-podman-kube-fuzz-bind-"));
    served = await serveWithTokens({ [OPERATOR]: "operate" }, ["--allow-bind", allowed]);
    client = await served.connect(OPERATOR);
  });
  afterAll(async () => {
    await served?.stop();
    await made.remove();
    rmSync(allowed, { recursive: true, force: true });
  });

  const spelling = (name: string) =>
    fc.oneof(
      { weight: 24, arbitrary: fc.constant(name) },
      fc.constant(name.toLowerCase()),
      fc.constant(name.charAt(0).toUpperCase() + name.slice(1)),
      fc.constant(name.toUpperCase()),
    );
  const variant = fc.record({
    spec: spelling("spec"),
    hostNetwork: fc.option(fc.tuple(spelling("hostNetwork"), fc.boolean()), {
      nil: undefined,
      freq: 1,
    }),
    securityContext: spelling("securityContext"),
    privileged: fc.option(fc.tuple(spelling("privileged"), fc.boolean()), {
      nil: undefined,
      freq: 1,
    }),
    hostPath: fc.option(
      fc.tuple(
        spelling("hostPath"),
        fc.constantFrom("/", "/etc", "ALLOWED", "ALLOWED/sub", "ALLOWED/../.."),
      ),
      { nil: undefined, freq: 1 },
    ),
    style: fc.constantFrom("block", "flow"),
  });

  type Variant = typeof variant extends fc.Arbitrary<infer T> ? T : never;

  function write(pod: string, v: Variant) {
    const container: Record<string, unknown> = {
      name: "app",
      image: image(),
      command: ["sleep", "300"],
    };
    if (v.privileged) container[v.securityContext] = { [v.privileged[0]]: v.privileged[1] };
    const spec: Record<string, unknown> = { containers: [container] };
    if (v.hostNetwork) spec[v.hostNetwork[0]] = v.hostNetwork[1];
    if (v.hostPath) {
      const path = v.hostPath[1].replace("ALLOWED", allowed);
      spec.volumes = [{ name: "h", [v.hostPath[0]]: { path, type: "DirectoryOrCreate" } }];
      container.volumeMounts = [{ name: "h", mountPath: "/h" }];
    }
    const document = { apiVersion: "v1", kind: "Pod", metadata: { name: pod }, [v.spec]: spec };
    return v.style === "flow" ? JSON.stringify(document) : stringify(document);
  }

  it("inspects every pod it let through: no host network, not privileged, binds only below --allow-bind", async () => {
    const seed = Date.now() % 100000;
    const variants = fc.sample(variant, { numRuns: 20, seed });
    let accepted = 0;
    for (const v of variants) {
      const pod = made.pod(uniqueName("ak-fuzz"));
      const content = write(pod, v);
      const result = await call(client, "podman_kube_play", {
        content,
        network: network(),
        start: false,
      });
      if (result.isError) {
        expect(await podExists(podman, pod), `${content}\n${textOf(result)}`).toBe(false);
        continue;
      }
      accepted += 1;
      const { body } = await podman.request("GET", `/pods/${pod}/json`);
      const inspected = body as PodInspect;
      for (const member of inspected.Containers) {
        const container = (await podman.request("GET", `/containers/${member.Id}/json`))
          .body as ContainerInspect;
        expect(container.HostConfig.Privileged, content).toBe(false);
        expect(container.HostConfig.NetworkMode, content).not.toBe("host");
        for (const mount of container.Mounts.filter((m) => m.Type === "bind")) {
          expect(mount.Source === allowed || mount.Source.startsWith(`${allowed}/`), content).toBe(
            true,
          );
        }
      }
      await callOk(client, "podman_kube_down", { content });
      expect(await podExists(podman, pod)).toBe(false);
    }
    // The spellings are mostly exact and the toggles often off: some must have gone through.
    expect(accepted, `seed ${seed}`).toBeGreaterThan(0);
  });
});
