import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  call,
  callError,
  callOk,
  connectHttp,
  connectStdio,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

const READER = "secrets-reader-token-01";
const OPERATOR = "secrets-operator-token-02";
const image = () => testEnv().PODMAN_TEST_IMAGE;
const IDLE = ["sleep", "600"];

interface ExecResult {
  exit_code: number;
  stdout: { text: string };
}

/**
 * A secret made straight on Podman, as another workload of the host would:
 * the raw value as body, octet-stream so libpod does not read it as a form.
 */
async function createSecretDirect(name: string, value: string): Promise<number> {
  const dispatcher = new Agent({ connect: { socketPath: testEnv().PODMAN_TEST_SOCKET } });
  try {
    const response = await fetch(
      `http://podman/v4.0.0/libpod/secrets/create?name=${encodeURIComponent(name)}`,
      {
        method: "POST",
        dispatcher,
        headers: { "content-type": "application/octet-stream" },
        body: value,
      },
    );
    await response.text();
    return response.status;
  } finally {
    await dispatcher.close();
  }
}

describe("a secret goes into containers and shows up in no answer", () => {
  const podman = new PodmanDirect();
  const secrets = new Set<string>();
  const projects = new Set<string>();
  let dir: string;
  let server: RunningServer;
  let operator: Client;
  let reader: Client;
  const value = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const secret = uniqueName("db-password");
  const foreign = { name: uniqueName("foreign-secret"), value: `foreign-${Date.now()}-value` };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-secrets-"));
    const tokenFile = join(dir, "tokens");
    writeFileSync(tokenFile, `${READER} read\n${OPERATOR} operate\n`, { mode: 0o600 });
    server = await startHttpServer(["--token-file", tokenFile]);
    operator = await connectHttp(server.url, OPERATOR);
    reader = await connectHttp(server.url, READER);
    secrets.add(foreign.name);
    expect(await createSecretDirect(foreign.name, foreign.value)).toBe(200);
  });
  afterAll(async () => {
    await operator?.close();
    await reader?.close();
    await server?.stop();
    for (const project of projects) await removeProject(project);
    await podman.cleanup();
    const cleanup = new PodmanDirect();
    for (const name of secrets) await cleanup.request("DELETE", `/secrets/${name}`);
    await cleanup.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function removeProject(project: string) {
    const cleanup = new PodmanDirect();
    const filter = encodeURIComponent(
      JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
    );
    const listed = await cleanup.request("GET", `/containers/json?all=true&filters=${filter}`);
    for (const container of (listed.body ?? []) as { Id: string }[])
      await cleanup.request("DELETE", `/containers/${container.Id}?force=true&v=true&timeout=0`);
    const networks = await cleanup.request("GET", `/networks/json?filters=${filter}`);
    for (const network of (networks.body ?? []) as { name: string }[])
      await cleanup.request("DELETE", `/networks/${network.name}?force=true`);
    await cleanup.cleanup();
  }

  const secretExists = async (name: string) =>
    (await podman.request("GET", `/secrets/${name}/json`)).status === 200;

  const exec = (name: string, command: string[]) =>
    callOk<ExecResult>(operator, "podman_exec", { name, command });

  it("creates a secret, mounts it as a file and a variable, and hides it from inspect and kube generate", async () => {
    secrets.add(secret);
    const created = await callOk<{ name: string; id: string }>(operator, "podman_secret_create", {
      name: secret,
      value,
    });
    expect(created.name).toBe(secret);
    expect(JSON.stringify(created)).not.toContain(value);
    expect(created.rendered).toBe(`Secret ${secret} created (${created.id}).`);

    const listed = await callOk<{ secrets: { name: string; managed: boolean }[] }>(
      reader,
      "podman_secret_ls",
    );
    expect(listed.secrets.find((entry) => entry.name === secret)).toMatchObject({ managed: true });
    expect(listed.secrets.find((entry) => entry.name === foreign.name)).toMatchObject({
      managed: false,
    });
    expect(JSON.stringify(listed)).not.toContain(value);
    expect(JSON.stringify(listed)).not.toContain(foreign.value);

    const name = podman.track(uniqueName("uses-secret"));
    const run = await call(operator, "podman_run", {
      image: image(),
      name,
      command: IDLE,
      secrets: [
        secret,
        { name: secret, target: "/etc/app/pw", mode: 0o400 },
        { name: secret, env: "APP_DB_URL" },
      ],
    });
    expect(run.isError, textOf(run)).toBeFalsy();
    expect(JSON.stringify(run)).not.toContain(value);

    // What the container prints is the caller's to read: that is how it proves it got the value.
    expect((await exec(name, ["cat", `/run/secrets/${secret}`])).stdout.text).toBe(value);
    expect((await exec(name, ["cat", "/etc/app/pw"])).stdout.text).toBe(value);
    expect((await exec(name, ["sh", "-c", "echo $APP_DB_URL"])).stdout.text.trim()).toBe(value);

    // Podman 4 itself shows the value in Config.Env (Podman 5 masks it); the server never does.
    const direct = await podman.request("GET", `/containers/${name}/json`);
    if (testEnv().PODMAN_TEST_VERSION.startsWith("4.")) {
      expect(JSON.stringify(direct.body)).toContain(`APP_DB_URL=${value}`);
    }
    const inspected = await call(operator, "podman_inspect", { name });
    expect(JSON.stringify(inspected)).not.toContain(value);
    const fields = await callOk<{ inspect: Record<string, unknown> }>(reader, "podman_inspect", {
      name,
      fields: ["Config.Env", "Config.Secrets"],
    });
    // Podman 4 lists the variable by its own name, Podman 5 by the secret's (valued "*******").
    const listedAs = testEnv().PODMAN_TEST_VERSION.startsWith("4.") ? "APP_DB_URL" : secret;
    expect(fields.inspect["Config.Env"]).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${listedAs}=<hidden`))]),
    );
    expect(JSON.stringify(fields.inspect["Config.Secrets"])).toContain(`"Name":"${secret}"`);

    const kube = await call(reader, "podman_kube_generate", { names: [name] });
    expect(kube.isError, textOf(kube)).toBeFalsy();
    expect(JSON.stringify(kube)).not.toContain(value);
    const ps = await call(reader, "podman_ps", { all: true });
    expect(JSON.stringify(ps)).not.toContain(value);

    await callOk(operator, "podman_rm", { name, force: true, timeout: 0 });
    const removed = await callOk<{ removed: boolean }>(operator, "podman_secret_rm", {
      name: secret,
    });
    expect(removed.removed).toBe(true);
    expect(await secretExists(secret)).toBe(false);
    secrets.delete(secret);
  });

  it("gives compose services external secrets as files, and compose ps shows no value", async () => {
    const key = uniqueName("compose-pw");
    secrets.add(key);
    await callOk(operator, "podman_secret_create", { name: key, value });
    const project = uniqueName("secrets").replaceAll("-", "_");
    projects.add(project);
    const up = await call(operator, "podman_compose_up", {
      project_name: project,
      content: [
        "services:",
        "  app:",
        `    image: "${image()}"`,
        '    command: [sleep, "600"]',
        "    secrets: [db, {source: db, target: /etc/db.pw}]",
        "secrets:",
        `  db: {external: true, name: ${key}}`,
      ].join("\n"),
    });
    expect(up.isError, textOf(up)).toBeFalsy();
    expect(JSON.stringify(up)).not.toContain(value);
    const container = `${project}-app-1`;
    expect((await exec(container, ["cat", "/run/secrets/db"])).stdout.text).toBe(value);
    expect((await exec(container, ["cat", "/etc/db.pw"])).stdout.text).toBe(value);
    const ps = await call(reader, "podman_compose_ps", { project_name: project });
    expect(ps.isError, textOf(ps)).toBeFalsy();
    expect(JSON.stringify(ps)).not.toContain(value);
    const inspected = await call(reader, "podman_inspect", { name: container });
    expect(JSON.stringify(inspected)).not.toContain(value);
    await callOk(operator, "podman_compose_down", { project_name: project, timeout: 0 });
  });

  it("lets an operate token neither use nor remove a secret it did not create", async () => {
    const name = podman.track(uniqueName("steals-secret"));
    const refusal =
      `The secret "${foreign.name}" was not created by mcp-podman: an operate token may only ` +
      "change objects mcp-podman created; an admin token may change anything (unless --managed-only).";
    for (const secretsArgument of [[foreign.name], [{ name: foreign.name, env: "STOLEN" }]]) {
      const text = await callError(operator, "podman_run", {
        image: image(),
        name,
        command: ["cat", `/run/secrets/${foreign.name}`],
        secrets: secretsArgument,
      });
      expect(text).toBe(refusal);
      expect(await podman.exists(name)).toBe(false);
    }
    expect(await callError(operator, "podman_secret_rm", { name: foreign.name })).toBe(refusal);
    expect(await secretExists(foreign.name)).toBe(true);

    const project = uniqueName("steals").replaceAll("-", "_");
    projects.add(project);
    const composed = await callError(operator, "podman_compose_up", {
      project_name: project,
      content: [
        "services:",
        `  app: {image: "${image()}", command: [sleep, "600"], secrets: [x]}`,
        `secrets: {x: {external: true, name: ${foreign.name}}}`,
      ].join("\n"),
    });
    expect(composed).toBe(refusal);
    const filter = encodeURIComponent(
      JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
    );
    expect(
      (await podman.request("GET", `/containers/json?all=true&filters=${filter}`)).body,
    ).toEqual([]);
    expect((await podman.request("GET", `/networks/json?filters=${filter}`)).body).toEqual([]);
  });

  it("judges a compose file secret as the bind mount it is: refused without --allow-bind", async () => {
    const file = join(dir, "db.txt");
    writeFileSync(file, value);
    const project = uniqueName("file-secret").replaceAll("-", "_");
    projects.add(project);
    const text = await callError(operator, "podman_compose_up", {
      project_name: project,
      content: [
        "services:",
        `  app: {image: "${image()}", command: [sleep, "600"], secrets: [db]}`,
        `secrets: {db: {file: "${file}"}}`,
      ].join("\n"),
    });
    expect(text).toMatch(/^Service "app": bind mounts of host paths are refused by policy/);
    expect(text).not.toContain(value);
    const filter = encodeURIComponent(
      JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
    );
    expect(
      (await podman.request("GET", `/containers/json?all=true&filters=${filter}`)).body,
    ).toEqual([]);
  });

  it("lets a read token list secrets but not create, use or remove one", async () => {
    const name = uniqueName("reader-secret");
    secrets.add(name);
    expect(await callError(reader, "podman_secret_create", { name, value })).toMatch(
      /needs a token with the operate scope/,
    );
    expect(await secretExists(name)).toBe(false);
    expect(await callError(reader, "podman_secret_rm", { name: foreign.name })).toMatch(
      /needs a token with the operate scope/,
    );
    expect(await secretExists(foreign.name)).toBe(true);
    const tools = (await reader.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain("podman_secret_ls");
    expect(tools).not.toContain("podman_secret_create");
  });

  it("refuses a taken name and an oversized value without quoting either value", async () => {
    const taken = await callError(operator, "podman_secret_create", {
      name: foreign.name,
      value,
    });
    expect(taken).toMatch(/secret name in use/);
    expect(taken).not.toContain(value);
    const big = uniqueName("big-secret");
    secrets.add(big);
    const oversized = await callError(operator, "podman_secret_create", {
      name: big,
      value: `${value}${"x".repeat(70_000)}`,
    });
    expect(oversized).toMatch(/at most 65536 are allowed/);
    expect(oversized).not.toContain(value);
    expect(await secretExists(big)).toBe(false);
  });
});

describe("over stdio, a secret reaches the container as a variable and nowhere else", () => {
  const podman = new PodmanDirect();
  const secret = uniqueName("stdio-secret");
  const value = `stdio-${Math.random().toString(36).slice(2)}-value`;
  let connection: Awaited<ReturnType<typeof connectStdio>>;
  let dir: string;
  let project: string | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-secret-files-"));
    connection = await connectStdio(["--allow-bind", dir]);
  });
  afterAll(async () => {
    await connection?.close();
    if (project) {
      const filter = encodeURIComponent(
        JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
      );
      const listed = await podman.request("GET", `/containers/json?all=true&filters=${filter}`);
      for (const container of (listed.body ?? []) as { Id: string }[])
        await podman.request("DELETE", `/containers/${container.Id}?force=true&timeout=0`);
      const networks = await podman.request("GET", `/networks/json?filters=${filter}`);
      for (const network of (networks.body ?? []) as { name: string }[])
        await podman.request("DELETE", `/networks/${network.name}?force=true`);
    }
    rmSync(dir, { recursive: true, force: true });
    await podman.cleanup();
    const cleanup = new PodmanDirect();
    await cleanup.request("DELETE", `/secrets/${secret}`);
    await cleanup.cleanup();
  });

  it("creates it, runs a container that prints it, and inspect hides it", async () => {
    const { client } = connection;
    await callOk(client, "podman_secret_create", { name: secret, value });
    const name = podman.track(uniqueName("stdio-secret-user"));
    const run = await callOk<{ exit_code: number; logs: { text: string } }>(client, "podman_run", {
      image: image(),
      name,
      command: ["sh", "-c", 'echo "got $TOKEN_VALUE"'],
      secrets: [{ name: secret, env: "TOKEN_VALUE" }],
      detach: false,
    });
    expect(run.exit_code).toBe(0);
    // The container's own output: it printed the value, which is its program's choice.
    expect(run.logs.text).toContain(`got ${value}`);
    const inspected = await call(client, "podman_inspect", { name });
    expect(inspected.isError, textOf(inspected)).toBeFalsy();
    expect(JSON.stringify(inspected)).not.toContain(value);
    await callOk(client, "podman_rm", { name, force: true, timeout: 0 });
    await callOk(client, "podman_secret_rm", { name: secret });
  });

  it("bind-mounts a compose file secret read-only where --allow-bind allows it", async () => {
    const { client } = connection;
    const file = join(dir, "api.key");
    writeFileSync(file, value);
    project = uniqueName("file-secret").replaceAll("-", "_");
    const up = await call(client, "podman_compose_up", {
      project_name: project,
      content: [
        "services:",
        `  app: {image: "${image()}", command: [sleep, "600"], secrets: [api, {source: api, target: /etc/api.key}]}`,
        `secrets: {api: {file: "${file}"}}`,
      ].join("\n"),
    });
    expect(up.isError, textOf(up)).toBeFalsy();
    const container = `${project}-app-1`;
    const read = await callOk<ExecResult>(client, "podman_exec", {
      name: container,
      command: ["sh", "-c", "cat /run/secrets/api /etc/api.key; echo x > /run/secrets/api"],
    });
    expect(read.stdout.text).toBe(`${value}${value}`);
    expect(read.exit_code).not.toBe(0);
    for (const [tool, args] of [
      ["podman_inspect", { name: container }],
      ["podman_compose_ps", { project_name: project }],
      ["podman_kube_generate", { names: [container] }],
    ] as const) {
      const answer = await call(client, tool, args);
      expect(answer.isError, textOf(answer)).toBeFalsy();
      expect(JSON.stringify(answer), tool).not.toContain(value);
    }
    await callOk(client, "podman_compose_down", { project_name: project, timeout: 0 });
  });
});
