import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { listContainers } from "../../podman/containers.js";
import { defineTool } from "../tool.js";
import { formatPort, statusText } from "../../podman/container-summary.js";

const containerSummary = z.object({
  id: z.string().describe("Short (12 character) container id"),
  name: z.string(),
  image: z.string(),
  state: z.string().describe("created, running, paused, exited, ..."),
  status: z.string().describe('Human status such as "Up 5 minutes" or "Exited (0) 1 hour ago"'),
  ports: z.array(z.string()).describe('Published ports as "HOST->CONTAINER/PROTO"'),
  pod: z.string().optional(),
  created: z.string().describe("Creation time, RFC 3339"),
});

export const podmanPs = defineTool({
  name: "podman_ps",
  family: "containers",
  title: "List containers",
  description: "List containers; all=true adds the stopped ones.",
  input: z.object({
    all: z.boolean().default(false),
    filters: z
      .object({
        status: z
          .enum(["created", "running", "paused", "exited", "stopping", "unknown", "configured"])
          .optional(),
        name: z.string().optional(),
        label: z.array(z.string()).optional(),
        ancestor: z.string().optional(),
        pod: z.string().optional(),
      })
      .optional(),
    limit: z.number().int().positive().optional(),
  }),
  output: z.object({
    containers: z.array(containerSummary),
    count: z.number().int(),
  }),
  annotations: READ_ONLY,
  async handle(ctx, args) {
    const all = args.all || args.filters?.status !== undefined;
    const listed = await listContainers(
      ctx.podman,
      { all, limit: args.limit, filters: args.filters },
      ctx.signal,
    );
    const now = Date.now();
    const containers = listed.map((c) => ({
      id: shortId(c.Id),
      name: c.Names[0] ?? "",
      image: c.Image,
      state: c.State,
      status: statusText(c, now),
      ports: (c.Ports ?? []).map(formatPort),
      ...(c.PodName ? { pod: c.PodName } : {}),
      created: c.Created,
    }));
    return { containers, count: containers.length };
  },
  render({ containers }) {
    if (containers.length === 0) return "No containers.";
    return containers
      .map((c) => {
        const ports = c.ports.length ? ` ${c.ports.join(",")}` : "";
        const pod = c.pod ? ` pod=${c.pod}` : "";
        return `${c.id} ${c.name} ${c.image} ${c.status}${ports}${pod}`;
      })
      .join("\n");
  },
});
