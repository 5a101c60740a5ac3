import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PodmanDirect,
  type RunningServer,
  call,
  callError,
  callOk,
  connectHttp,
  startHttpServer,
  testEnv,
  textOf,
  uniqueName,
} from "./harness.js";

const READER = "attack-reader-token-01";
const OPERATOR = "attack-operator-token-02";
const ADMIN = "attack-admin-token-03";
const MANAGED = "io.mcp-podman.managed";
const image = () => testEnv().PODMAN_TEST_IMAGE;
const IDLE = ["sleep", "600"];
/** Long enough that Podman never runs the check by itself during the test. */
const HOUR_NS = 3600 * 1e9;

const foreignVolumeRefusal = (volume: string) =>
  `The volume "${volume}" was not created by mcp-podman: an operate token may only change ` +
  "objects mcp-podman created; an admin token may change anything (unless --managed-only).";

describe("an operate token never reaches workloads the server did not create", () => {
  const podman = new PodmanDirect();
  const volumes = new Set<string>();
  const pods = new Set<string>();
  const projects = new Set<string>();
  let dir: string;
  let server: RunningServer;
  let managedOnly: RunningServer;
  let operator: Client;
  let reader: Client;

  /** A volume and a container made directly, as another workload of the host would. */
  const foreign = { volume: uniqueName("foreign-vol"), container: uniqueName("foreign-ctr") };
  /** A label on this file's volumes, so that a prune stays among them. */
  const story = uniqueName("attack-story");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-podman-attack-workloads-"));
    const tokenFile = join(dir, "tokens");
    writeFileSync(tokenFile, `${READER} read\n${OPERATOR} operate\n${ADMIN}\n`, { mode: 0o600 });
    [server, managedOnly] = await Promise.all([
      startHttpServer(["--token-file", tokenFile]),
      startHttpServer(["--token-file", tokenFile, "--managed-only"]),
    ]);
    operator = await connectHttp(server.url, OPERATOR);
    reader = await connectHttp(server.url, READER);

    volumes.add(foreign.volume);
    expect(
      (
        await podman.request("POST", "/volumes/create", {
          Name: foreign.volume,
          Labels: { "attack.story": story },
        })
      ).status,
    ).toBe(201);
    await runDirect(["sh", "-c", "echo original > /data/marker"], foreign.volume);
    podman.track(foreign.container);
    const created = await podman.request("POST", "/containers/create", {
      image: image(),
      name: foreign.container,
      command: IDLE,
      healthconfig: { Test: ["CMD", "true"], Interval: HOUR_NS, Timeout: 5e9, Retries: 3 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await podman.request("POST", `/containers/${foreign.container}/start`);
  });

  afterAll(async () => {
    await operator?.close();
    await reader?.close();
    await Promise.all([server?.stop(), managedOnly?.stop()]);
    for (const project of projects) await removeProject(project);
    await podman.cleanup();
    for (const pod of pods) await podmanRequest("DELETE", `/pods/${pod}?force=true`);
    for (const volume of volumes) await podmanRequest("DELETE", `/volumes/${volume}?force=true`);
    await cleanupPodman.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const cleanupPodman = new PodmanDirect();
  const podmanRequest = (method: string, path: string) =>
    cleanupPodman.request(method, path).catch(() => undefined);

  async function removeProject(project: string) {
    const filter = encodeURIComponent(
      JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
    );
    const listed = await podman.request("GET", `/containers/json?all=true&filters=${filter}`);
    for (const container of (listed.body ?? []) as { Id: string }[])
      await podman.request("DELETE", `/containers/${container.Id}?force=true&v=true&timeout=0`);
    const networks = await podman.request("GET", `/networks/json?filters=${filter}`);
    for (const network of (networks.body ?? []) as { name: string }[])
      await podman.request("DELETE", `/networks/${network.name}?force=true`);
  }

  /** Runs a container straight on Podman, waits for it and removes it. */
  async function runDirect(command: string[], volume: string) {
    const name = podman.track(uniqueName("direct"));
    const created = await podman.request("POST", "/containers/create", {
      image: image(),
      name,
      command,
      volumes: [{ Name: volume, Dest: "/data" }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await podman.request("POST", `/containers/${name}/start`);
    await podman.request("POST", `/containers/${name}/wait?condition=exited`);
    await podman.request("DELETE", `/containers/${name}?force=true`);
  }

  async function marker(volume: string) {
    const { body } = await podman.request("GET", `/volumes/${volume}/json`);
    return readFileSync(join(body.Mountpoint as string, "marker"), "utf8");
  }

  async function health(container: string) {
    const { body } = await podman.request("GET", `/containers/${container}/json`);
    return {
      started: body.State.StartedAt as string,
      status: body.State.Status as string,
      health: body.State.Health ?? body.State.Healthcheck,
    };
  }

  const volumeExists = async (name: string) =>
    (await podman.request("GET", `/volumes/${name}/exists`)).status === 204;

  it.each([
    ["read-write", (volume: string) => `${volume}:/data`],
    ["read-only", (volume: string) => `${volume}:/data:ro`],
  ])(
    "refuses podman_run mounting a foreign volume %s, creating nothing and changing no data",
    async (_, mount) => {
      const name = podman.track(uniqueName("steal"));
      const text = await callError(operator, "podman_run", {
        image: image(),
        name,
        command: ["sh", "-c", "cat /data/marker; echo stolen > /data/marker"],
        volumes: [mount(foreign.volume)],
        detach: false,
      });
      expect(text).toBe(foreignVolumeRefusal(foreign.volume));
      expect(await podman.exists(name)).toBe(false);
      expect(await marker(foreign.volume)).toBe("original\n");
    },
  );

  it("refuses the foreign volume among managed ones, and keeps the managed ones it would create", async () => {
    const name = podman.track(uniqueName("steal-mixed"));
    const fresh = uniqueName("fresh-vol");
    volumes.add(fresh);
    const text = await callError(operator, "podman_run", {
      image: image(),
      name,
      command: IDLE,
      volumes: [`${fresh}:/fresh`, `${foreign.volume}:/data`],
    });
    expect(text).toBe(foreignVolumeRefusal(foreign.volume));
    expect(await podman.exists(name)).toBe(false);
    expect(await volumeExists(fresh)).toBe(false);
  });

  it("refuses a read token's podman_run before looking at anything", async () => {
    const name = podman.track(uniqueName("steal-read"));
    const text = await callError(reader, "podman_run", {
      image: image(),
      name,
      volumes: [`${foreign.volume}:/data`],
    });
    expect(text).toBe("podman_run needs a token with the operate scope; this one has read.");
    expect(await podman.exists(name)).toBe(false);
  });

  it("refuses a compose project mounting the foreign volume, external or by name", async () => {
    for (const declaration of [
      `{external: true, name: ${foreign.volume}}`,
      `{name: ${foreign.volume}}`,
    ]) {
      const project = uniqueName("steal-compose");
      projects.add(project);
      const content = [
        "services:",
        `  app: {image: "${image()}", command: [sleep, "600"], volumes: ["data:/data"]}`,
        `volumes: {data: ${declaration}}`,
      ].join("\n");
      const text = await callError(operator, "podman_compose_up", {
        content,
        project_name: project,
      });
      // The network it made before reaching the volume is rolled back, and says so.
      expect(text.startsWith(foreignVolumeRefusal(foreign.volume).slice(0, -1))).toBe(true);
      const filter = encodeURIComponent(
        JSON.stringify({ label: [`com.docker.compose.project=${project}`] }),
      );
      const listed = await podman.request("GET", `/containers/json?all=true&filters=${filter}`);
      expect(listed.body).toEqual([]);
      const networks = await podman.request("GET", `/networks/json?filters=${filter}`);
      expect(networks.body).toEqual([]);
    }
    expect(await marker(foreign.volume)).toBe("original\n");
  });

  it("refuses every tool that would act on a foreign container, its health log unchanged", async () => {
    const before = await health(foreign.container);
    expect(before.status).toBe("running");
    const name = foreign.container;
    for (const [tool, args] of [
      ["podman_healthcheck_run", { name }],
      ["podman_exec", { name, command: ["sh", "-c", "echo x > /tmp/x"] }],
      ["podman_stop", { name }],
      ["podman_restart", { name }],
      ["podman_start", { name }],
      ["podman_rm", { name, force: true }],
    ] as const) {
      const text = await callError(operator, tool, args);
      expect(text, tool).toBe(
        `The container "${name}" was not created by mcp-podman: an operate token may only change ` +
          "objects mcp-podman created; an admin token may change anything (unless --managed-only).",
      );
    }
    expect(await callError(reader, "podman_healthcheck_run", { name })).toBe(
      "podman_healthcheck_run needs a token with the operate scope; this one has read.",
    );
    const admin = await connectHttp(managedOnly.url, ADMIN);
    expect(await callError(admin, "podman_healthcheck_run", { name })).toMatch(
      /was not created by mcp-podman: with --managed-only no token may change/,
    );
    await admin.close();
    expect(await health(foreign.container)).toEqual(before);
  });

  it("still runs the health check of a container it created", async () => {
    const name = podman.track(uniqueName("own-health"));
    await callOk(operator, "podman_run", {
      image: image(),
      name,
      command: IDLE,
      healthcheck: { test: ["CMD", "true"], interval: "1h" },
    });
    const checked = await callOk<{ check: string }>(operator, "podman_healthcheck_run", { name });
    expect(checked.check).toBe("healthy");
  });

  it("mounts a managed volume, and creates a missing one as managed for a later removal", async () => {
    const owned = uniqueName("owned-vol");
    volumes.add(owned);
    await callOk(operator, "podman_volume_create", { name: owned });
    const writer = podman.track(uniqueName("owned-writer"));
    const wrote = await callOk<{ exit_code: number }>(operator, "podman_run", {
      image: image(),
      name: writer,
      command: ["sh", "-c", "echo mine > /data/marker"],
      volumes: [`${owned}:/data`],
      detach: false,
    });
    expect(wrote.exit_code).toBe(0);
    expect(await marker(owned)).toBe("mine\n");

    const missing = uniqueName("missing-vol");
    volumes.add(missing);
    const user = podman.track(uniqueName("missing-user"));
    const ran = await callOk<{ exit_code: number; logs: { text: string } }>(
      operator,
      "podman_run",
      {
        image: image(),
        name: user,
        command: ["sh", "-c", "echo new > /data/marker && cat /data/marker"],
        volumes: [`${missing}:/data`],
        detach: false,
        remove: true,
      },
    );
    expect(ran).toMatchObject({ exit_code: 0, logs: { text: "new" } });
    const { body } = await podman.request("GET", `/volumes/${missing}/json`);
    expect(body.Labels[MANAGED]).toBe("true");

    const admin = await connectHttp(managedOnly.url, ADMIN);
    await callOk(admin, "podman_volume_rm", { name: missing });
    expect(await volumeExists(missing)).toBe(false);
    expect(await callError(admin, "podman_volume_rm", { name: foreign.volume })).toMatch(
      /the volume ".*" was not created by mcp-podman: with --managed-only/i,
    );
    expect(await volumeExists(foreign.volume)).toBe(true);
    await admin.close();
  });

  it("prunes under --managed-only only the volumes the server created", async () => {
    const owned = uniqueName("prunable-vol");
    volumes.add(owned);
    await callOk(operator, "podman_volume_create", {
      name: owned,
      labels: { "attack.story": story },
    });
    const admin = await connectHttp(managedOnly.url, ADMIN);
    const pruned = await callOk<{ removed: string[] }>(admin, "podman_volume_prune", {
      filters: { label: [`attack.story=${story}`] },
    });
    await admin.close();
    expect(pruned.removed).toEqual([owned]);
    expect(await volumeExists(foreign.volume)).toBe(true);
    expect(await marker(foreign.volume)).toBe("original\n");
  });

  it("removes the volume it created for a container that failed to start", async () => {
    const missing = uniqueName("unstarted-vol");
    volumes.add(missing);
    const name = podman.track(uniqueName("unstarted"));
    await callError(operator, "podman_run", {
      image: image(),
      name,
      command: ["/no/such/binary"],
      volumes: [`${missing}:/data`],
    });
    expect(await podman.exists(name)).toBe(false);
    expect(await volumeExists(missing)).toBe(false);
  });

  describe("secrets in answers", () => {
    const token = `tok-${Math.random().toString(36).slice(2)}-secret`;
    const dbPassword = `pw${Math.random().toString(36).slice(2)}x`;
    const bearer = `b${Math.random().toString(36).slice(2)}bearer`;
    const databaseUrl = `postgres://app:${dbPassword}@db.internal:5432/app`;
    const secrets = [token, dbPassword, bearer];
    const pod = uniqueName("secret-pod");
    const container = uniqueName("secret-ctr");
    const project = uniqueName("secret-compose");
    let shown: RunningServer;

    beforeAll(async () => {
      pods.add(pod);
      projects.add(project);
      podman.track(container);
      shown = await startHttpServer(["--token-file", join(dir, "tokens"), "--show-secrets"]);
      await callOk(operator, "podman_pod_create", { name: pod, labels: { SERVICE_TOKEN: token } });
      await callOk(operator, "podman_run", {
        image: image(),
        name: container,
        pod,
        command: ["sh", "-c", "sleep 600", "app", databaseUrl],
        env: { API_TOKEN: token, DATABASE_URL: databaseUrl, MODE: "production" },
        labels: { "app.auth-token": token },
        healthcheck: {
          test: [
            "CMD-SHELL",
            `echo "$API_TOKEN"; wget -q --header 'Authorization: Bearer ${bearer}' -O- x || true`,
          ],
          interval: "1h",
        },
      });
      await callOk(operator, "podman_compose_up", {
        content: [
          "services:",
          "  app:",
          `    image: "${image()}"`,
          '    command: [sleep, "600"]',
          `    environment: {DB_PASSWORD: "${dbPassword}", DATABASE_URL: "${databaseUrl}"}`,
          `    labels: {api_token: "${token}"}`,
        ].join("\n"),
        project_name: project,
      });
    });
    afterAll(async () => {
      await shown?.stop();
    });

    /** Each answer that may carry the container's secrets, as structured content and text. */
    async function answers(client: Client) {
      const calls: [string, Record<string, unknown>][] = [
        ["podman_inspect", { name: container }],
        ["podman_inspect", { name: container, fields: ["Config.Env", "Config.Healthcheck"] }],
        ["podman_pod_inspect", { name: pod }],
        ["podman_kube_generate", { names: [pod] }],
        ["podman_compose_ps", { project_name: project }],
        ["podman_events", { filters: { container: [container] } }],
        ["podman_events", { filters: { pod: [pod] } }],
      ];
      const texts: Record<string, string> = {};
      for (const [tool, args] of calls) {
        const result = await call(client, tool, args);
        expect(result.isError, `${tool}: ${textOf(result)}`).toBeFalsy();
        texts[`${tool} ${JSON.stringify(args)}`] =
          `${textOf(result)}\n${JSON.stringify(result.structuredContent)}`;
      }
      return texts;
    }

    it.each([
      ["a read token", READER],
      ["an operate token", OPERATOR],
    ])("hides them from %s in every answer", async (_, credential) => {
      const client = await connectHttp(server.url, credential);
      for (const [answer, text] of Object.entries(await answers(client))) {
        for (const secret of secrets) expect(text.includes(secret), answer).toBe(false);
      }
      const inspected = await callOk<{ inspect: { Config: { Env: string[] } } }>(
        client,
        "podman_inspect",
        { name: container },
      );
      // Names that look secret ("secret-ctr") must not hide what merely sits beside them.
      const generated = await callOk<{ yaml: string }>(client, "podman_kube_generate", {
        names: [pod],
      });
      expect(generated.yaml).toMatch(/^ {2}containers:$/m);
      expect(generated.yaml).toContain(`image: ${image()}`);
      expect(generated.yaml).toContain("value: production");
      expect(inspected.inspect.Config.Env).toContain("MODE=production");
      expect(inspected.inspect.Config.Env.some((entry) => entry.startsWith("API_TOKEN="))).toBe(
        true,
      );
      await client.close();
    });

    it("hides what a health check prints of the container's secrets", async () => {
      const checked = await callOk<{ log: { output: string }[] }>(
        operator,
        "podman_healthcheck_run",
        { name: container },
      );
      expect(checked.log.at(-1)?.output).toContain("<hidden");
      expect(JSON.stringify(checked)).not.toContain(token);
      const client = await connectHttp(shown.url, OPERATOR);
      const shownCheck = await callOk(client, "podman_healthcheck_run", { name: container });
      expect(JSON.stringify(shownCheck)).toContain(token);
      await client.close();
    });

    it("shows them with --show-secrets", async () => {
      const client = await connectHttp(shown.url, OPERATOR);
      const texts = await answers(client);
      const all = Object.values(texts).join("\n");
      for (const secret of secrets) expect(all).toContain(secret);
      expect(texts[`podman_inspect ${JSON.stringify({ name: container })}`]).toContain(databaseUrl);
      expect(texts[`podman_kube_generate ${JSON.stringify({ names: [pod] })}`]).toContain(token);
      expect(texts[`podman_pod_inspect ${JSON.stringify({ name: pod })}`]).toContain(token);
      await client.close();
    });
  });
});
