import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PodmanDirect, callError, callOk, testEnv, uniqueName, freePort } from "./harness.js";
import { type SuiteOptions, describeOverTransports } from "./over-transports.js";

interface ServiceOutcome {
  service: string;
  container: string;
  id: string;
  action: string;
  state: string;
  health?: string;
  exit_code?: number;
  ports: string[];
}

interface UpResult {
  project: string;
  services: ServiceOutcome[];
  networks_created: string[];
  volumes_created: string[];
  images_pulled: string[];
  images_built: string[];
  orphans: string[];
}

interface PsResult {
  project: string;
  containers: {
    service: string;
    name: string;
    state: string;
    status: string;
    health?: string;
    ports: string[];
  }[];
  count: number;
}

interface DownResult {
  containers_removed: string[];
  networks_removed: string[];
  volumes_removed: string[];
}

const labelQuery = (project: string) =>
  encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));

/** What exists in Podman for a project, looked up directly by its label. */
async function projectResources(podman: PodmanDirect, project: string) {
  const query = labelQuery(project);
  const containers = await podman.request("GET", `/containers/json?all=true&filters=${query}`);
  const networks = await podman.request("GET", `/networks/json?filters=${query}`);
  const volumes = await podman.request("GET", `/volumes/json?filters=${query}`);
  return {
    containers: ((containers.body ?? []) as { Names: string[] }[]).map((c) => c.Names[0]).sort(),
    networks: ((networks.body ?? []) as { name: string }[]).map((n) => n.name).sort(),
    volumes: ((volumes.body ?? []) as { Name: string }[]).map((v) => v.Name).sort(),
  };
}

/** Removes everything labelled with the projects, whatever the tests left behind. */
async function removeProjects(podman: PodmanDirect, projects: readonly string[]) {
  for (const project of projects) {
    const { containers, networks, volumes } = await projectResources(podman, project);
    for (const name of containers) {
      await podman.request("DELETE", `/containers/${name}?force=true&v=true&timeout=0`);
    }
    for (const name of networks) await podman.request("DELETE", `/networks/${name}`);
    for (const name of volumes) await podman.request("DELETE", `/volumes/${name}?force=true`);
  }
}

async function waitForExit(podman: PodmanDirect, name: string): Promise<number> {
  const { body } = await podman.request("POST", `/containers/${name}/wait?condition=stopped`);
  return Number(body);
}

function webAndClientCompose(port: number) {
  const image = testEnv().PODMAN_TEST_IMAGE;
  return [
    "services:",
    "  web:",
    `    image: ${image}`,
    '    command: ["httpd", "-f", "-p", "80", "-h", "/www"]',
    `    ports: ["127.0.0.1:${port}:80"]`,
    "    volumes:",
    "      - data:/data",
    "      - ./www:/www:ro",
    "    healthcheck:",
    '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]',
    "      interval: 1s",
    "      retries: 30",
    "  client:",
    `    image: ${image}`,
    "    command: wget -q -O- http://web/index.html",
    "    depends_on:",
    "      web:",
    "        condition: service_healthy",
    "volumes:",
    "  data:",
  ].join("\n");
}

describeOverTransports("compose over %s", { args: ["--allow-bind", tmpdir()] }, ({ client }) => {
  const podman = new PodmanDirect();
  // The directory's name is the project's name: no project_name is passed.
  const project = uniqueName("cmp");
  const dir = join(tmpdir(), project);
  const page = `hello from ${project}`;

  beforeAll(async () => {
    mkdirSync(join(dir, "www"), { recursive: true });
    // A final newline: podman_logs leaves out a last line without one.
    writeFileSync(join(dir, "www", "index.html"), `${page}\n`);
    writeFileSync(join(dir, "compose.yaml"), webAndClientCompose(await freePort()));
  });
  afterAll(async () => {
    await removeProjects(podman, [project]);
    await podman.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("brings a web server and a client that reaches it by service name up, keeps it on a second up, and takes it down", async () => {
    const file = join(dir, "compose.yaml");
    const progress: string[] = [];
    const result = await client.callTool(
      { name: "podman_compose_up", arguments: { file } },
      undefined,
      { onprogress: ({ message }) => progress.push(message ?? "") },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const up = result.structuredContent as unknown as UpResult;
    expect(progress).toEqual(
      expect.arrayContaining([
        `creating network ${project}_default`,
        `creating ${project}-web-1`,
        `starting ${project}-web-1`,
        "waiting for web to be healthy",
        `starting ${project}-client-1`,
      ]),
    );
    expect(up.project).toBe(project);
    expect(up.networks_created).toEqual([`${project}_default`]);
    expect(up.volumes_created).toEqual([`${project}_data`]);
    const web = up.services.find((entry) => entry.service === "web")!;
    const clientService = up.services.find((entry) => entry.service === "client")!;
    expect(up.services.map((entry) => entry.service)).toEqual(["web", "client"]);
    expect(web).toMatchObject({
      container: `${project}-web-1`,
      action: "created",
      state: "running",
      health: "healthy",
    });
    expect(clientService).toMatchObject({ container: `${project}-client-1`, action: "created" });

    const port = /127\.0\.0\.1:(\d+)->80\/tcp/.exec(web.ports.join(" "))?.[1];
    expect(port).toBeDefined();
    const answer = await fetch(`http://127.0.0.1:${port}/index.html`);
    expect(await answer.text()).toBe(`${page}\n`);

    expect(await waitForExit(podman, `${project}-client-1`)).toBe(0);
    const logs = await callOk<{ text: string }>(client, "podman_logs", {
      name: `${project}-client-1`,
    });
    expect(logs.text).toContain(page);

    const { body: inspected } = await podman.request("GET", `/containers/${project}-web-1/json`);
    expect(inspected.Config.Labels).toMatchObject({
      "com.docker.compose.project": project,
      "com.docker.compose.service": "web",
      "com.docker.compose.container-number": "1",
      "com.docker.compose.oneoff": "False",
    });
    expect(inspected.Config.Labels["com.docker.compose.config-hash"]).toMatch(/^[0-9a-f]{64}$/);

    const ps = await callOk<PsResult>(client, "podman_compose_ps", { project_name: project });
    expect(ps.count).toBe(2);
    expect(ps.containers).toEqual([
      expect.objectContaining({ service: "client", name: `${project}-client-1`, state: "exited" }),
      expect.objectContaining({
        service: "web",
        name: `${project}-web-1`,
        state: "running",
        health: "healthy",
      }),
    ]);
    expect(ps.rendered).toContain(`${port}->80/tcp`);

    const again = await callOk<UpResult>(client, "podman_compose_up", { file });
    expect(again.services.map((entry) => [entry.service, entry.id, entry.action])).toEqual([
      ["web", web.id, "unchanged"],
      ["client", clientService.id, "started"],
    ]);
    expect(again.networks_created).toEqual([]);
    expect(again.volumes_created).toEqual([]);

    // Same prefix, not the project's: down must leave it alone.
    const outsider = podman.track(`${project}-web-2`);
    const created = await podman.request("POST", "/containers/create", {
      name: outsider,
      image: testEnv().PODMAN_TEST_IMAGE,
      command: ["sleep", "60"],
    });
    expect(created.status).toBe(201);

    const down = await callOk<DownResult>(client, "podman_compose_down", { file, timeout: 1 });
    expect(down.containers_removed.sort()).toEqual([`${project}-client-1`, `${project}-web-1`]);
    expect(down.networks_removed).toEqual([`${project}_default`]);
    expect(down.volumes_removed).toEqual([]);
    expect(await projectResources(podman, project)).toEqual({
      containers: [],
      networks: [],
      volumes: [`${project}_data`],
    });
    expect(await podman.exists(outsider)).toBe(true);

    const withVolumes = await callOk<DownResult>(client, "podman_compose_down", {
      project_name: project,
      volumes: true,
    });
    expect(withVolumes).toMatchObject({
      containers_removed: [],
      volumes_removed: [`${project}_data`],
    });
    expect(await projectResources(podman, project)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });
});

const stdioWithBinds: SuiteOptions = { over: ["stdio"], args: ["--allow-bind", tmpdir()] };

describeOverTransports("compose refusals and failures", stdioWithBinds, ({ client }) => {
  const podman = new PodmanDirect();
  const projects: string[] = [];
  const images: string[] = [];
  const dirs: string[] = [];
  const image = () => testEnv().PODMAN_TEST_IMAGE;
  const newProject = () => {
    const name = uniqueName("cmp");
    projects.push(name);
    return name;
  };
  const newDir = () => {
    const dir = join(tmpdir(), uniqueName("cmp-dir"));
    mkdirSync(dir, { recursive: true });
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    await removeProjects(podman, projects);
    for (const name of images) await podman.request("DELETE", `/images/${name}?force=true`);
    await podman.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses an unsupported key by name, with its service, and creates nothing", async () => {
    const project_name = newProject();
    const content = [
      "services:",
      "  web:",
      `    image: ${image()}`,
      "    deploy:",
      "      replicas: 2",
      "  db:",
      `    image: ${image()}`,
      "volumes:",
      "  data:",
    ].join("\n");
    const message = await callError(client, "podman_compose_up", { content, project_name });
    expect(message).toMatch(/service "web": unsupported key "deploy".*\(line 4\)/);
    expect(await projectResources(podman, project_name)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });

  it("refuses a depends_on cycle and creates nothing", async () => {
    const project_name = newProject();
    const content = [
      "services:",
      `  a: {image: "${image()}", depends_on: [b]}`,
      `  b: {image: "${image()}", depends_on: {c: {condition: service_started}}}`,
      `  c: {image: "${image()}", depends_on: [a]}`,
    ].join("\n");
    const message = await callError(client, "podman_compose_up", { content, project_name });
    expect(message).toMatch(/cycle: a -> b -> c -> a/);
    expect(await projectResources(podman, project_name)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });

  it("refuses relative paths in content without working_dir", async () => {
    const content = `services: {web: {image: "${image()}", volumes: ["./site:/www"]}}`;
    const message = await callError(client, "podman_compose_up", {
      content,
      project_name: newProject(),
    });
    expect(message).toMatch(/bind source "\.\/site" is relative/);
  });

  it("rolls back the containers and network it created when a start fails half-way", async () => {
    const project_name = newProject();
    const port = await freePort();
    const content = [
      "services:",
      `  first: {image: "${image()}", command: [sleep, "60"], ports: ["127.0.0.1:${port}:80"]}`,
      `  second: {image: "${image()}", command: [sleep, "60"], ports: ["127.0.0.1:${port}:81"], depends_on: [first]}`,
    ].join("\n");
    const message = await callError(client, "podman_compose_up", { content, project_name });
    expect(message).toMatch(/rolled back what this call created/);
    expect(message).toContain(`container ${project_name}-second-1`);
    expect(message).toContain(`network ${project_name}_default`);
    expect(await projectResources(podman, project_name)).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });

  it("reads env files and interpolates variables from content with working_dir, and recreates on change", async () => {
    const project_name = newProject();
    const dir = newDir();
    writeFileSync(join(dir, "app.env"), "FROM_FILE=file value\nOVERRIDDEN=from file\n");
    const content = (greeting: string) =>
      [
        "services:",
        "  app:",
        '    image: "${IMAGE}"',
        '    command: ["sh", "-c", "echo $$FROM_FILE/$$OVERRIDDEN/$$GREETING; sleep 60"]',
        "    env_file: app.env",
        "    stop_grace_period: 1s",
        `    environment: {OVERRIDDEN: from environment, GREETING: "${greeting}"}`,
      ].join("\n");
    const env = { IMAGE: image() };
    const first = await callOk<UpResult>(client, "podman_compose_up", {
      content: content("${WORD:-hello}"),
      working_dir: dir,
      project_name,
      env,
    });
    expect(first.services[0]).toMatchObject({
      service: "app",
      action: "created",
      state: "running",
    });
    const { body: inspected } = await podman.request(
      "GET",
      `/containers/${project_name}-app-1/json`,
    );
    expect(inspected.Config.Env).toEqual(
      expect.arrayContaining([
        "FROM_FILE=file value",
        "OVERRIDDEN=from environment",
        "GREETING=hello",
      ]),
    );

    const same = await callOk<UpResult>(client, "podman_compose_up", {
      content: content("${WORD:-hello}"),
      working_dir: dir,
      project_name,
      env: { ...env, WORD: "hello" },
    });
    expect(same.services[0]).toMatchObject({ id: first.services[0]!.id, action: "unchanged" });

    const changed = await callOk<UpResult>(client, "podman_compose_up", {
      content: content("${WORD:-hello}"),
      working_dir: dir,
      project_name,
      env: { ...env, WORD: "bonjour" },
    });
    expect(changed.services[0]!.action).toBe("recreated");
    expect(changed.services[0]!.id).not.toBe(first.services[0]!.id);
    expect(await podman.exists(first.services[0]!.id)).toBe(false);

    const ps = await callOk<PsResult>(client, "podman_compose_ps", {
      content: "name: ignored-when-project-name-given\nservices: {}",
      project_name,
    });
    expect(ps.containers.map((entry) => entry.name)).toEqual([`${project_name}-app-1`]);
  });

  it("builds a service's image from its build section and runs it", async () => {
    const project_name = newProject();
    const dir = newDir();
    mkdirSync(join(dir, "app"));
    writeFileSync(
      join(dir, "app", "Containerfile"),
      `FROM ${image()}\nARG GREETING\nRUN echo "$GREETING from the build" > /message.txt\nCMD ["cat", "/message.txt"]\n`,
    );
    writeFileSync(
      join(dir, "compose.yaml"),
      "services:\n  app:\n    build:\n      context: ./app\n      args: {GREETING: built}\n",
    );
    images.push(`localhost/${project_name}-app:latest`);
    const up = await callOk<UpResult>(client, "podman_compose_up", {
      file: join(dir, "compose.yaml"),
      project_name,
    });
    expect(up.images_built).toEqual([`${project_name}-app`]);
    expect(await waitForExit(podman, `${project_name}-app-1`)).toBe(0);
    const logs = await callOk<{ text: string }>(client, "podman_logs", {
      name: `${project_name}-app-1`,
    });
    expect(logs.text.trim()).toBe("built from the build");

    const again = await callOk<UpResult>(client, "podman_compose_up", {
      file: join(dir, "compose.yaml"),
      project_name,
    });
    expect(again.images_built).toEqual([]);
    expect(again.services[0]).toMatchObject({ id: up.services[0]!.id, action: "started" });
  });
});
