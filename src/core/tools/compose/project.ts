import * as z from "zod";
import { DESTRUCTIVE, READ_ONLY } from "../annotations.js";
import { composeDown } from "../../compose/down.js";
import { loadProject, loadProjectName } from "../../compose/load.js";
import { withStepProgress } from "../../compose/progress.js";
import { composePs } from "../../compose/ps.js";
import { composeUp } from "../../compose/up.js";
import { defineTool } from "../tool.js";

/** How a call names its project; described once, on podman_compose_up. */
const projectSource = {
  file: z.string().min(1).optional(),
  content: z.string().min(1).optional(),
  working_dir: z.string().min(1).optional(),
  project_name: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).optional(),
};

const describedSource = {
  file: projectSource.file.describe("Host path"),
  content: projectSource.content,
  working_dir: projectSource.working_dir.describe("With content: base of relative paths"),
  project_name: projectSource.project_name,
  env: projectSource.env.describe("For ${VAR}, instead of the server's env and .env"),
};

const servicePorts = z
  .array(z.string())
  .describe(
    'Published ports as "HOST_PORT->CONTAINER/PROTO", with "HOST_IP:" when bound to one address',
  );

const upOutput = z.object({
  project: z.string(),
  services: z.array(
    z.object({
      service: z.string(),
      container: z.string(),
      id: z.string().describe("Short container id"),
      action: z
        .enum(["created", "recreated", "started", "unchanged"])
        .describe("What this call did to the service's container"),
      state: z.string(),
      health: z.string().optional().describe("healthy, unhealthy or starting, when it has a check"),
      exit_code: z.number().int().optional().describe("Set once the container has exited"),
      ports: servicePorts,
    }),
  ),
  networks_created: z.array(z.string()),
  volumes_created: z.array(z.string()),
  images_pulled: z.array(z.string()),
  images_built: z.array(z.string()),
  orphans: z
    .array(z.string())
    .describe("Containers of the project whose service is not in the file (left running)"),
});

export const podmanComposeUp = defineTool({
  name: "podman_compose_up",
  family: "compose",
  title: "Start a compose project",
  description: "Like `docker compose up -d`, in depends_on order; recreates only what changed.",
  input: z.object({
    ...describedSource,
    services: z.array(z.string().min(1)).optional().describe("Only these, with their dependencies"),
    build: z.boolean().default(false),
    wait_timeout: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(300)
      .describe("For depends_on conditions"),
  }),
  output: upOutput,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true,
  },
  async handle(ctx, args) {
    const project = await loadProject(ctx.files, args);
    return composeUp(withStepProgress(ctx), project, {
      ...(args.services ? { services: args.services } : {}),
      build: args.build,
      waitTimeoutMs: args.wait_timeout * 1000,
    });
  },
  render(result) {
    const lines = result.services.map((entry) => {
      const health = entry.health ? ` (${entry.health})` : "";
      const exit = entry.exit_code !== undefined ? ` exit ${entry.exit_code}` : "";
      const ports = entry.ports.length ? ` ${entry.ports.join(",")}` : "";
      return `${entry.service}: ${entry.container} ${entry.id} ${entry.action}, ${entry.state}${health}${exit}${ports}`;
    });
    const created = [
      ...result.images_built.map((name) => `built ${name}`),
      ...result.images_pulled.map((name) => `pulled ${name}`),
      ...result.networks_created.map((name) => `network ${name}`),
      ...result.volumes_created.map((name) => `volume ${name}`),
    ];
    if (created.length) lines.push(`Also: ${created.join(", ")}.`);
    if (result.orphans.length)
      lines.push(`Orphan containers (not in the file): ${result.orphans.join(", ")}.`);
    return [`Project ${result.project}:`, ...lines].join("\n");
  },
  audit(result) {
    const renewed = result.services.filter(
      (entry) => entry.action === "created" || entry.action === "recreated",
    );
    return {
      created: [
        ...renewed.map((entry) => `container/${entry.container}`),
        ...result.networks_created.map((name) => `network/${name}`),
        ...result.volumes_created.map((name) => `volume/${name}`),
        ...result.images_built.map((name) => `image/${name}`),
        ...result.images_pulled.map((name) => `image/${name}`),
      ],
      // A recreated container replaced one of the same name.
      removed: result.services
        .filter((entry) => entry.action === "recreated")
        .map((entry) => `container/${entry.container}`),
    };
  },
});

export const podmanComposeDown = defineTool({
  name: "podman_compose_down",
  family: "compose",
  title: "Remove a compose project",
  description: "Like `docker compose down`; volumes=true also removes volumes.",
  input: z.object({
    ...projectSource,
    volumes: z.boolean().default(false),
    timeout: z.number().int().min(0).max(3600).optional(),
  }),
  output: z.object({
    project: z.string(),
    containers_removed: z.array(z.string()),
    networks_removed: z.array(z.string()),
    volumes_removed: z.array(z.string()),
  }),
  annotations: DESTRUCTIVE,
  async handle(ctx, args) {
    const project = await loadProjectName(ctx.files, args);
    return composeDown(withStepProgress(ctx), project, {
      volumes: args.volumes,
      ...(args.timeout !== undefined ? { timeoutSeconds: args.timeout } : {}),
    });
  },
  render(result) {
    const parts = [
      result.containers_removed.length ? `containers ${result.containers_removed.join(", ")}` : "",
      result.networks_removed.length ? `networks ${result.networks_removed.join(", ")}` : "",
      result.volumes_removed.length ? `volumes ${result.volumes_removed.join(", ")}` : "",
    ].filter(Boolean);
    if (parts.length === 0) return `Project ${result.project}: nothing to remove.`;
    return `Project ${result.project}: removed ${parts.join("; ")}.`;
  },
  audit: (result) => ({
    removed: [
      ...result.containers_removed.map((name) => `container/${name}`),
      ...result.networks_removed.map((name) => `network/${name}`),
      ...result.volumes_removed.map((name) => `volume/${name}`),
    ],
  }),
});

export const podmanComposePs = defineTool({
  name: "podman_compose_ps",
  family: "compose",
  title: "Compose project status",
  description: "Like `docker compose ps -a`, with each container's health.",
  input: z.object(projectSource),
  output: z.object({
    project: z.string(),
    containers: z.array(
      z.object({
        service: z.string(),
        name: z.string(),
        id: z.string(),
        state: z.string(),
        status: z.string().describe('"Up 5 minutes", "Exited (0) 3 seconds ago"'),
        health: z.string().optional(),
        exit_code: z.number().int().optional(),
        ports: servicePorts,
      }),
    ),
    count: z.number().int(),
  }),
  annotations: READ_ONLY,
  async handle(ctx, args) {
    const project = await loadProjectName(ctx.files, args);
    const containers = await composePs(ctx, project);
    return { project, containers, count: containers.length };
  },
  render(result) {
    if (result.count === 0) return `Project ${result.project} has no containers.`;
    return result.containers
      .map((entry) => {
        const health = entry.health ? ` (${entry.health})` : "";
        const ports = entry.ports.length ? ` ${entry.ports.join(",")}` : "";
        return `${entry.service} ${entry.name} ${entry.id} ${entry.status}${health}${ports}`;
      })
      .join("\n");
  },
});
