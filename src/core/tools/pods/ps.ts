import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { listContainersById, listPods } from "../../podman/pods.js";
import { formatPort } from "../../podman/container-summary.js";
import { defineTool } from "../tool.js";

const podSummary = z.object({
  id: z.string().describe("Short (12 character) pod id"),
  name: z.string(),
  status: z.string().describe("Created, Running, Degraded (some containers stopped), Exited, ..."),
  containers: z.number().int().describe("Containers in the pod, the infra container not counted"),
  infra_id: z
    .string()
    .optional()
    .describe("Short id of the infra container holding the namespaces"),
  ports: z.array(z.string()).describe('Published ports as "HOST->CONTAINER/PROTO"'),
  created: z.string().describe("Creation time, RFC 3339"),
});

export const podmanPodPs = defineTool({
  name: "podman_pod_ps",
  family: "pods",
  title: "List pods",
  description: "List pods with their status, container count and ports.",
  input: z.object({
    filters: z
      .object({
        name: z.string().optional(),
        label: z.array(z.string()).optional(),
        status: z
          .enum(["created", "running", "stopped", "exited", "paused", "dead", "degraded"])
          .optional(),
        id: z.string().optional(),
      })
      .optional(),
  }),
  output: z.object({ pods: z.array(podSummary), count: z.number().int() }),
  annotations: READ_ONLY,
  async handle(ctx, args) {
    const listed = (await listPods(ctx.podman, args.filters, ctx.signal)) ?? [];
    const infraIds = listed.map((pod) => pod.InfraId).filter((id): id is string => !!id);
    const infras = await listContainersById(ctx.podman, infraIds, ctx.signal);
    const portsByInfra = new Map(infras.map((c) => [c.Id, (c.Ports ?? []).map(formatPort)]));
    const pods = listed.map((pod) => ({
      id: shortId(pod.Id),
      name: pod.Name,
      status: pod.Status,
      containers: (pod.Containers ?? []).filter((c) => c.Id !== pod.InfraId).length,
      ...(pod.InfraId ? { infra_id: shortId(pod.InfraId) } : {}),
      ports: (pod.InfraId && portsByInfra.get(pod.InfraId)) || [],
      created: pod.Created,
    }));
    return { pods, count: pods.length };
  },
  render({ pods }) {
    if (pods.length === 0) return "No pods.";
    return pods
      .map((p) => {
        const count = `${p.containers} container${p.containers === 1 ? "" : "s"}`;
        const infra = p.infra_id ? " (+infra)" : "";
        const ports = p.ports.length ? ` ${p.ports.join(",")}` : "";
        return `${p.id} ${p.name} ${p.status} ${count}${infra}${ports}`;
      })
      .join("\n");
  },
});
