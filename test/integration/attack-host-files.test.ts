import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  call,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

/**
 * An attacker with an operate token over HTTP names host files the server
 * must not read: outside --allow-read, through symlinks, through "..". Each
 * call is refused, its answer carries nothing of the file, and Podman shows
 * nothing was created. Reads inside the allowed directory keep working.
 */

const OPERATOR = "operate-host-files-token-0001";
const SECRET = "Hx7secretQ2value9Lw";
const base = mkdtempSync(join(tmpdir(), "mcp-podman-host-files-"));
const allowed = join(base, "allowed");
const secrets = join(base, "secrets");
const tokenFile = join(base, "tokens");
const image = () => testEnv().PODMAN_TEST_IMAGE;

function writeHostFiles() {
  mkdirSync(join(allowed, "ctx"), { recursive: true });
  mkdirSync(join(secrets, "ctx"), { recursive: true });
  writeFileSync(tokenFile, `${OPERATOR} operate\n`, { mode: 0o600 });

  writeFileSync(join(secrets, "secret.yaml"), `services:\n  web:\n    image: ${SECRET}\n`);
  writeFileSync(join(secrets, "secret.env"), `PASSWORD=${SECRET}\n`);
  writeFileSync(join(secrets, "secret.txt"), `${SECRET}\n`);
  writeFileSync(join(secrets, "ctx", "Containerfile"), `FROM ${image()}\nCOPY . /stolen\n`);
  writeFileSync(join(secrets, "ctx", "secret.txt"), `${SECRET}\n`);
  writeFileSync(join(secrets, "pod.yaml"), podYaml("stolen-pod"));

  writeFileSync(join(allowed, "app.env"), "GREETING=hello-from-env-file\n");
  writeFileSync(
    join(allowed, "ctx", "Containerfile"),
    `FROM ${image()}\nCOPY hello.txt /hello.txt\n`,
  );
  writeFileSync(join(allowed, "ctx", "hello.txt"), "hello\n");
  writeFileSync(join(allowed, "pod.yaml"), podYaml("allowed-pod"));
  writeFileSync(join(allowed, "secret-as-yaml.yaml"), `api_key: ${SECRET}\n`);
  writeFileSync(join(allowed, "secret-as-text.yaml"), `${SECRET}\n`);
  writeFileSync(join(allowed, "secret-in-service.yaml"), `services:\n  ${SECRET}: {}\n`);
  writeFileSync(join(allowed, "secret-line.env"), `OK=1\n${SECRET} is not a key\n`);
  symlinkSync(join(secrets, "secret.yaml"), join(allowed, "link.yaml"));
  symlinkSync(join(secrets, "secret.env"), join(allowed, "link.env"));
  symlinkSync(join(secrets, "pod.yaml"), join(allowed, "pod-link.yaml"));
  symlinkSync(join(secrets, "ctx"), join(allowed, "ctx-link"));
  symlinkSync(secrets, join(allowed, "secrets-link"));
}

function podYaml(name: string) {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${name}-${basename(base)}`,
    "spec:",
    "  containers:",
    "  - name: app",
    `    image: ${image()}`,
    '    command: ["sleep", "300"]',
    "",
  ].join("\n");
}
const podName = (name: string) => `${name}-${basename(base)}`;

/** A compose file for `content`, one service with the given extra lines. */
const composeContent = (...lines: string[]) =>
  ["services:", "  web:", `    image: ${image()}`, '    command: ["sleep", "300"]', ...lines].join(
    "\n",
  );

type Attack = { name: string; tool: string; args: Record<string, unknown>; creates: Created };
type Created = { project?: string; image?: string; pod?: string };

/** Every way of naming a file outside the allowed directory that the attacker tries. */
function attacks(): Attack[] {
  const project = () => uniqueName("hfa");
  const compose = (name: string, args: Record<string, unknown>): Attack => {
    const name_ = project();
    return {
      name,
      tool: "podman_compose_up",
      args: { project_name: name_, ...args },
      creates: { project: name_ },
    };
  };
  const build = (name: string, context_dir: string): Attack => {
    const tag = `localhost/${uniqueName("hfa")}:stolen`;
    return { name, tool: "podman_build", args: { context_dir, tag }, creates: { image: tag } };
  };
  const kube = (name: string, file: string): Attack => ({
    name,
    tool: "podman_kube_play",
    args: { file },
    creates: { pod: podName("stolen-pod") },
  });
  return [
    compose("compose file /etc/passwd", { file: "/etc/passwd" }),
    compose("compose file /etc/shadow", { file: "/etc/shadow" }),
    compose("compose file of a secret elsewhere", { file: join(secrets, "secret.yaml") }),
    compose("compose file that is the server's token file", { file: tokenFile }),
    compose("compose file through a symlink", { file: join(allowed, "link.yaml") }),
    compose("compose file through a linked directory", {
      file: join(allowed, "secrets-link", "secret.yaml"),
    }),
    compose("compose file with ..", { file: `${allowed}/../secrets/secret.yaml` }),
    compose("compose file with .. that comes back", { file: `${allowed}/../allowed/link.yaml` }),
    compose("compose file relative", { file: "secrets/secret.yaml" }),
    compose("env_file absolute outside", {
      content: composeContent(`    env_file: ${join(secrets, "secret.env")}`),
      working_dir: allowed,
    }),
    compose("env_file relative with ..", {
      content: composeContent("    env_file: ../secrets/secret.env"),
      working_dir: allowed,
    }),
    compose("env_file through a symlink", {
      content: composeContent("    env_file: [{path: link.env, required: true}]"),
      working_dir: allowed,
    }),
    compose("env_file through a symlink, not required", {
      content: composeContent("    env_file: [{path: link.env, required: false}]"),
      working_dir: allowed,
    }),
    compose("env_file of /etc/shadow", {
      content: composeContent("    env_file: /etc/shadow"),
      working_dir: allowed,
    }),
    compose("build.context outside", {
      content: composeContent(`    build: ${join(secrets, "ctx")}`),
      working_dir: allowed,
    }),
    compose("build.context with ..", {
      content: composeContent("    build: {context: ../secrets/ctx}"),
      working_dir: allowed,
    }),
    compose("build.context through a symlink", {
      content: composeContent("    build: ctx-link"),
      working_dir: allowed,
    }),
    compose("build.context of /", {
      content: composeContent("    build: /"),
      working_dir: allowed,
    }),
    kube("kube file outside", join(secrets, "pod.yaml")),
    kube("kube file through a symlink", join(allowed, "pod-link.yaml")),
    kube("kube file with ..", `${allowed}/../secrets/pod.yaml`),
    kube("kube file /etc/passwd", "/etc/passwd"),
    build("build context outside", join(secrets, "ctx")),
    build("build context through a symlink", join(allowed, "ctx-link")),
    build("build context with ..", `${allowed}/../secrets/ctx`),
    build("build context of /etc", "/etc"),
  ];
}

async function createdAnything(podman: PodmanDirect, created: Created): Promise<string[]> {
  const found: string[] = [];
  if (created.project) {
    const filters = encodeURIComponent(
      JSON.stringify({ label: [`com.docker.compose.project=${created.project}`] }),
    );
    for (const kind of ["containers", "networks", "volumes", "images"]) {
      const query = kind === "containers" ? `all=true&filters=${filters}` : `filters=${filters}`;
      const { body } = await podman.request("GET", `/${kind}/json?${query}`);
      const list = (Array.isArray(body) ? body : (body?.Volumes ?? [])) as unknown[];
      if (list.length) found.push(`${list.length} ${kind} of ${created.project}`);
    }
  }
  if (created.image) {
    const { status } = await podman.request(
      "GET",
      `/images/${encodeURIComponent(created.image)}/exists`,
    );
    if (status === 204) found.push(`image ${created.image}`);
  }
  if (created.pod) {
    const { status } = await podman.request("GET", `/pods/${created.pod}/exists`);
    if (status === 204) found.push(`pod ${created.pod}`);
  }
  return found;
}

function expectNothingOfTheFiles(text: string) {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(OPERATOR);
  expect(text).not.toMatch(/root:x:0|root:[*!$]/);
}

const podman = new PodmanDirect();
const projects = new Set<string>();
const images = new Set<string>();
const pods = new Set<string>([podName("stolen-pod"), podName("allowed-pod")]);

beforeAll(writeHostFiles);
afterAll(async () => {
  for (const project of projects) {
    const filters = encodeURIComponent(
      JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
    );
    const { body } = await podman.request("GET", `/containers/json?all=true&filters=${filters}`);
    for (const container of (body ?? []) as { Id: string }[]) {
      await podman.request("DELETE", `/containers/${container.Id}?force=true&v=true&timeout=0`);
    }
    const networks = await podman.request("GET", `/networks/json?filters=${filters}`);
    for (const network of (networks.body ?? []) as { name: string }[]) {
      await podman.request("DELETE", `/networks/${network.name}`);
    }
    const built = await podman.request("GET", `/images/json?filters=${filters}`);
    for (const found of (built.body ?? []) as { Id: string }[]) {
      await podman.request("DELETE", `/images/${found.Id}?force=true`);
    }
  }
  for (const pod of pods) await podman.request("DELETE", `/pods/${pod}?force=true`);
  for (const tag of images) {
    await podman.request("DELETE", `/images/${encodeURIComponent(tag)}?force=true`);
  }
  await podman.cleanup();
  rmSync(base, { recursive: true, force: true });
});

describe.each([
  { label: "an HTTP server without --allow-read", allowRead: [] as string[] },
  { label: "an HTTP server with --allow-read of one directory", allowRead: [allowed] },
])("an operate token against $label", ({ allowRead }) => {
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    const flags = allowRead.flatMap((dir) => ["--allow-read", dir]);
    server = await startHttpServer(
      ["--token-file", tokenFile, ...flags],
      {},
      {
        testAllowRead: false,
      },
    );
    client = await connectHttp(server.url, OPERATOR);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it.each(attacks().map((attack) => [attack.name, attack] as const))(
    "refuses %s and creates nothing",
    async (_, attack) => {
      if (attack.creates.project) projects.add(attack.creates.project);
      if (attack.creates.image) images.add(attack.creates.image);
      const result = await call(client, attack.tool, attack.args);
      const text = textOf(result);
      expect(result.isError, `${attack.tool} should have been refused: ${text}`).toBe(true);
      expect(text).toMatch(/--allow-read DIR|must be an absolute path/);
      expectNothingOfTheFiles(text + JSON.stringify(result.structuredContent ?? {}));
      expect(await createdAnything(podman, attack.creates)).toEqual([]);
    },
  );
});

describe("an operate token against an HTTP server that allows no host directory", () => {
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    server = await startHttpServer(["--token-file", tokenFile], {}, { testAllowRead: false });
    client = await connectHttp(server.url, OPERATOR);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it("refuses even the files of a directory only another server allows", async () => {
    const project = uniqueName("hfa");
    projects.add(project);
    const result = await call(client, "podman_compose_ps", {
      file: join(allowed, "secret-as-yaml.yaml"),
    });
    expect(textOf(result)).toMatch(/reads no host files.*--allow-read DIR/);
    const build = await call(client, "podman_build", {
      context_dir: join(allowed, "ctx"),
      tag: `localhost/${project}:x`,
    });
    expect(textOf(build)).toMatch(/--allow-read DIR/);
    expect(await createdAnything(podman, { project, image: `localhost/${project}:x` })).toEqual([]);
  });
});

describe("an operate token reading inside --allow-read", () => {
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    server = await startHttpServer(["--token-file", tokenFile, "--allow-read", allowed]);
    client = await connectHttp(server.url, OPERATOR);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it("gets errors about a file that hold nothing of its content", async () => {
    for (const file of ["secret-as-yaml.yaml", "secret-as-text.yaml", "secret-in-service.yaml"]) {
      const up = await call(client, "podman_compose_up", { file: join(allowed, file) });
      expect(up.isError, file).toBe(true);
      expectNothingOfTheFiles(textOf(up));
      // ps and down need only a project name, which a file without `name` takes from its directory.
      for (const tool of ["podman_compose_ps", "podman_compose_down"]) {
        const result = await call(client, tool, { file: join(allowed, file) });
        expectNothingOfTheFiles(textOf(result) + JSON.stringify(result.structuredContent ?? {}));
      }
    }
    const project = uniqueName("hfa");
    projects.add(project);
    const envLine = await call(client, "podman_compose_up", {
      content: composeContent("    env_file: secret-line.env"),
      working_dir: allowed,
      project_name: project,
    });
    expect(textOf(envLine)).toMatch(/secret-line\.env line 2/);
    expectNothingOfTheFiles(textOf(envLine));
    const kube = await call(client, "podman_kube_play", {
      file: join(allowed, "secret-as-yaml.yaml"),
    });
    expect(kube.isError).toBe(true);
    expectNothingOfTheFiles(textOf(kube));
    expect(await createdAnything(podman, { project })).toEqual([]);
  });

  it("brings up a compose project with its env_file and build context", async () => {
    const project = uniqueName("hfok");
    projects.add(project);
    writeFileSync(
      join(allowed, "compose.yaml"),
      [
        "services:",
        "  web:",
        "    build: ./ctx",
        '    command: ["sleep", "300"]',
        "    env_file: app.env",
      ].join("\n"),
    );
    const up = await callOk<{ services: { container: string }[] }>(client, "podman_compose_up", {
      file: join(allowed, "compose.yaml"),
      project_name: project,
    });
    const container = up.services[0]!.container;
    const { body } = await podman.request("GET", `/containers/${container}/json`);
    expect(body.Config.Env).toContain("GREETING=hello-from-env-file");
    await callOk(client, "podman_compose_down", { project_name: project });
  });

  it("builds from a context inside and plays a kube file inside", async () => {
    const tag = `localhost/${uniqueName("hfok")}:built`;
    images.add(tag);
    await callOk(client, "podman_build", { context_dir: join(allowed, "ctx"), tag });
    expect((await podman.request("GET", `/images/${encodeURIComponent(tag)}/exists`)).status).toBe(
      204,
    );
    const network = (testEnv() as unknown as Record<string, string>).PODMAN_TEST_NETWORK;
    await callOk(client, "podman_kube_play", { file: join(allowed, "pod.yaml"), network });
    expect((await podman.request("GET", `/pods/${podName("allowed-pod")}/exists`)).status).toBe(
      204,
    );
  });
});
