import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  call,
  connectHttp,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

/**
 * Generated compose files, sent with an operate token: whatever the server
 * accepts, what Podman then holds must stay inside the policy: not
 * privileged, no added capabilities, no host namespaces, no bind outside
 * --allow-bind (symlinks resolved), limits within the ceilings.
 */

const OPERATOR = "operate-fuzz-compose-token-0001";
const MAX_PIDS = 64;
const MAX_MEMORY = 64 * 1024 * 1024;
const MAX_CPUS = 1;
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

const base = mkdtempSync(join(tmpdir(), "mcp-podman-fuzz-compose-"));
const bindDir = join(base, "binds");
const workDir = join(base, "work");

/** Host paths an attacker might try as bind sources, inside and outside --allow-bind. */
const bindSources = () => [
  join(bindDir, "data"),
  bindDir,
  `${bindDir}/`,
  `${bindDir}/./data`,
  `${bindDir}/../work`,
  `${bindDir}-sibling`,
  "./data",
  "../binds/data",
  "/etc",
  "/",
  "/proc",
  "/run",
  "~/",
];

const spell = (key: string) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant(key) },
    fc.constant(key.toUpperCase()),
    fc.constant(key.charAt(0).toUpperCase() + key.slice(1)),
    fc.constant(key.replaceAll("_", "-")),
    fc.constant(JSON.stringify(key)),
    fc.constant(JSON.stringify(`${key} `)),
  );

/** One risky setting, as `key: value` in flow style (JSON is YAML); supported keys more often. */
const supportedSetting: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(spell("privileged"), fc.constantFrom(true, false, false, "true", "${P:-true}")),
  fc.tuple(
    spell("cap_add"),
    fc.subarray(["NET_ADMIN", "SYS_ADMIN", "ALL", "CAP_SYS_PTRACE", "chown"], { minLength: 1 }),
  ),
  fc.tuple(spell("cap_drop"), fc.constant(["ALL"])),
  fc.tuple(spell("ports"), fc.subarray(["127.0.0.1::80", "127.0.0.1::8080/udp"], { minLength: 1 })),
  fc.tuple(
    spell("volumes"),
    fc.array(
      fc.oneof(
        fc
          .tuple(fc.constantFrom(...bindSources()), fc.constantFrom("", ":ro", ":rw,z"))
          .map(([source, mode]) => `${source}:/mnt/x${mode}`),
        fc
          .constantFrom(...bindSources())
          .map((source) => ({ type: "bind", source, target: "/mnt/y" })),
        fc.constant("data:/data"),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  ),
  fc.tuple(spell("mem_limit"), fc.constantFrom("32m", "128m", 0, -1, "1g", 33554432)),
  fc.tuple(spell("cpus"), fc.constantFrom(0.5, 1, 2, "0.25", "4")),
);
const unsupportedSetting: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(
    spell("network_mode"),
    fc.constantFrom("host", "bridge", "none", "service:s0", "ns:/proc/1/ns/net"),
  ),
  fc.tuple(fc.constantFrom("pid", "ipc", "userns_mode", "uts"), fc.constant("host")),
  fc.tuple(spell("security_opt"), fc.constant(["seccomp=unconfined", "label=disable"])),
  fc.tuple(spell("devices"), fc.constant(["/dev/null:/dev/x"])),
  fc.tuple(spell("pids_limit"), fc.constantFrom(10, 1000, -1, 0)),
  fc.tuple(
    spell("deploy"),
    fc.constant({ resources: { limits: { pids: 1000, memory: "1g", cpus: "4" } } }),
  ),
);
const setting = fc.oneof(
  { weight: 6, arbitrary: supportedSetting },
  { weight: 1, arbitrary: unsupportedSetting },
);

interface GeneratedCompose {
  text: string;
  description: string;
}

/** Services of settings, some shared through an `x-base` anchor and `<<:` merge keys. */
const composeFile: fc.Arbitrary<GeneratedCompose> = fc
  .record({
    shared: fc.array(setting, { maxLength: 2 }),
    services: fc.array(
      fc.record({ settings: fc.array(setting, { maxLength: 3 }), merge: fc.boolean() }),
      { minLength: 1, maxLength: 2 },
    ),
    namedVolume: fc.constantFrom<Record<string, unknown> | null>(
      null,
      null,
      { driver_opts: { type: "none", o: "bind", device: "/etc" } },
      { driver_opts: { type: "none", o: "bind", device: join(bindDir, "data") } },
    ),
  })
  .map(({ shared, services, namedVolume }) => {
    const lines: string[] = [];
    const entry = (indent: string, [key, value]: [string, unknown]) =>
      `${indent}${key}: ${JSON.stringify(value)}`;
    if (shared.length) {
      lines.push("x-base: &base");
      for (const item of shared) lines.push(entry("  ", item));
    }
    lines.push("services:");
    services.forEach((service, index) => {
      lines.push(`  s${index}:`);
      if (service.merge && shared.length) lines.push("    <<: *base");
      lines.push(`    image: ${testEnv().PODMAN_TEST_IMAGE}`);
      lines.push('    command: ["sleep", "300"]');
      for (const item of service.settings) lines.push(entry("    ", item));
    });
    lines.push("volumes:", `  data: ${JSON.stringify(namedVolume)}`);
    const text = `${lines.join("\n")}\n`;
    return { text, description: text };
  });

const podman = new PodmanDirect();
const projects: string[] = [];
let server: RunningServer;
let client: Client;
let defaultCaps: string[];

const labelFilter = (project: string) =>
  encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));

async function projectObjects(project: string) {
  const filters = labelFilter(project);
  const containers = await podman.request("GET", `/containers/json?all=true&filters=${filters}`);
  const networks = await podman.request("GET", `/networks/json?filters=${filters}`);
  const volumes = await podman.request("GET", `/volumes/json?filters=${filters}`);
  return {
    containers: (containers.body ?? []) as { Id: string }[],
    networks: (networks.body ?? []) as { name: string }[],
    volumes: (volumes.body ?? []) as { Name: string; Options?: Record<string, string> }[],
  };
}

async function removeProject(project: string) {
  const { containers, networks, volumes } = await projectObjects(project);
  for (const { Id } of containers) {
    await podman.request("DELETE", `/containers/${Id}?force=true&v=true&timeout=0`);
  }
  for (const { name } of networks) await podman.request("DELETE", `/networks/${name}`);
  for (const { Name } of volumes) await podman.request("DELETE", `/volumes/${Name}?force=true`);
}

const realBindDir = () => realpathSync(bindDir);
const insideBindDir = (source: string) => {
  let real: string;
  try {
    real = realpathSync(source);
  } catch {
    return false;
  }
  return real === realBindDir() || real.startsWith(`${realBindDir()}/`);
};

/** What Podman holds for an accepted project, measured against the policy. */
async function expectWithinPolicy(project: string, file: string) {
  const { containers, volumes } = await projectObjects(project);
  expect(containers.length, file).toBeGreaterThan(0);
  for (const { Id } of containers) {
    const { body } = await podman.request("GET", `/containers/${Id}/json`);
    const host = body.HostConfig;
    expect(host.Privileged, file).toBe(false);
    expect(host.CapAdd ?? [], file).toEqual([]);
    for (const cap of body.EffectiveCaps ?? []) expect(defaultCaps, file).toContain(cap);
    for (const mode of [
      host.NetworkMode,
      host.PidMode,
      host.IpcMode,
      host.UTSMode,
      host.UsernsMode,
    ])
      expect(mode ?? "", file).not.toBe("host");
    expect(host.SecurityOpt ?? [], file).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/unconfined|disable/)]),
    );
    expect(host.Devices ?? [], file).toEqual([]);
    for (const mount of body.Mounts as { Type: string; Source: string }[]) {
      if (mount.Type === "bind")
        expect(insideBindDir(mount.Source), `${mount.Source}\n${file}`).toBe(true);
    }
    expect(host.PidsLimit, file).toBeGreaterThan(0);
    expect(host.PidsLimit, file).toBeLessThanOrEqual(MAX_PIDS);
    expect(host.Memory, file).toBeGreaterThan(0);
    expect(host.Memory, file).toBeLessThanOrEqual(MAX_MEMORY);
    expect(host.CpuQuota, file).toBeGreaterThan(0);
    expect(host.CpuQuota / host.CpuPeriod, file).toBeLessThanOrEqual(MAX_CPUS);
  }
  for (const volume of volumes) {
    const device = volume.Options?.device;
    if (device !== undefined) expect(insideBindDir(device), `${device}\n${file}`).toBe(true);
  }
}

beforeAll(async () => {
  mkdirSync(join(bindDir, "data"), { recursive: true });
  mkdirSync(join(workDir, "data"), { recursive: true });
  mkdirSync(`${bindDir}-sibling`, { recursive: true });
  symlinkSync("/etc", join(bindDir, "etc-link"));
  const tokenFile = join(base, "tokens");
  writeFileSync(tokenFile, `${OPERATOR} operate\n`, { mode: 0o600 });
  server = await startHttpServer([
    "--token-file",
    tokenFile,
    "--allow-bind",
    bindDir,
    "--max-pids",
    String(MAX_PIDS),
    "--max-memory",
    "64m",
    "--max-cpus",
    String(MAX_CPUS),
  ]);
  client = await connectHttp(server.url, OPERATOR);

  const probe = uniqueName("fuzzcaps");
  const created = await podman.request("POST", "/containers/create", {
    name: probe,
    image: testEnv().PODMAN_TEST_IMAGE,
    command: ["true"],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  podman.track(probe);
  const { body } = await podman.request("GET", `/containers/${probe}/json`);
  defaultCaps = body.EffectiveCaps ?? [];
});

afterAll(async () => {
  for (const project of projects) await removeProject(project);
  await client?.close();
  await server?.stop();
  await podman.cleanup();
  rmSync(base, { recursive: true, force: true });
});

describe("generated compose files through an operate token", () => {
  it(`create nothing beyond the policy (seed ${seed})`, { timeout: 600_000 }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(composeFile, async ({ text }) => {
        const project = uniqueName("fzc");
        projects.push(project);
        try {
          const result = await call(client, "podman_compose_up", {
            content: text,
            working_dir: workDir,
            project_name: project,
            env: {},
          });
          if (result.isError) {
            expect(textOf(result)).not.toMatch(/\n\s+at /);
            const left = await projectObjects(project);
            expect(
              [...left.containers, ...left.networks, ...left.volumes],
              `refused, yet left behind:\n${text}\n${textOf(result)}`,
            ).toEqual([]);
            return;
          }
          accepted++;
          await expectWithinPolicy(project, text);
        } finally {
          await removeProject(project);
        }
      }),
      { numRuns: RUNS, seed, endOnFailure: true },
    );
    // The generator must reach Podman sometimes, or the property says nothing.
    expect(accepted).toBeGreaterThan(0);
  });

  it("gives a service the ceilings as defaults and refuses one above them", async () => {
    const project = uniqueName("fzc");
    projects.push(project);
    const service = (...lines: string[]) =>
      [
        "services:",
        "  s0:",
        `    image: ${testEnv().PODMAN_TEST_IMAGE}`,
        '    command: ["sleep", "300"]',
        ...lines,
      ].join("\n");
    for (const above of ["    mem_limit: 65m", "    cpus: 1.5", "    mem_limit: 1g"]) {
      const refused = await call(client, "podman_compose_up", {
        content: service(above),
        working_dir: workDir,
        project_name: project,
      });
      expect(textOf(refused), above).toMatch(/ceiling .* set by --max-(memory|cpus)/);
      expect((await projectObjects(project)).containers).toEqual([]);
    }
    const up = await call(client, "podman_compose_up", {
      content: service(),
      working_dir: workDir,
      project_name: project,
    });
    expect(up.isError, textOf(up)).toBeFalsy();
    const [container] = (await projectObjects(project)).containers;
    const { body } = await podman.request("GET", `/containers/${container!.Id}/json`);
    expect(body.HostConfig).toMatchObject({ PidsLimit: MAX_PIDS, Memory: MAX_MEMORY });
    expect(body.HostConfig.CpuQuota / body.HostConfig.CpuPeriod).toBe(MAX_CPUS);
  });

  /**
   * Podman follows a symlink in a bind source, and a container that binds an
   * allowed directory read-write can create one there: the bind is judged
   * where the link leads.
   */
  it("refuses a bind source that is a symlink out of --allow-bind, and creates nothing", async () => {
    const project = uniqueName("fzc");
    projects.push(project);
    const text = [
      "services:",
      "  s0:",
      `    image: ${testEnv().PODMAN_TEST_IMAGE}`,
      '    command: ["sleep", "300"]',
      `    volumes: ["${join(bindDir, "etc-link")}:/mnt/etc:ro"]`,
    ].join("\n");
    const result = await call(client, "podman_compose_up", {
      content: text,
      working_dir: workDir,
      project_name: project,
    });
    expect(result.isError, textOf(result)).toBe(true);
    expect(textOf(result)).toMatch(/is under no allowed directory/);
    expect((await projectObjects(project)).containers).toEqual([]);
  });
});
