import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { MUTATING } from "../annotations.js";
import { NotFound, PodmanRejected } from "../../errors.js";
import { buildPodSpec, createPod, inspectPod, removeHalfMadePod } from "../../podman/pods.js";
import { checkJoinedNetworks, networksOf } from "../../policy/joined.js";
import { withManagedLabel } from "../../policy/ownership.js";
import { checkContainerSpec } from "../../policy/spec.js";
import { portsArgument } from "../containers/run-spec-builder.js";
import { publishedPorts } from "../../podman/container-summary.js";
import { defineTool } from "../tool.js";

export const podmanPodCreate = defineTool({
  name: "podman_pod_create",
  family: "pods",
  title: "Create a pod",
  description:
    "Create a pod: containers sharing localhost. Publish ports here, then podman_run pod=NAME.",
  input: z.object({
    name: z.string().min(1),
    ports: portsArgument,
    labels: z.record(z.string(), z.string()).optional(),
    network: z
      .string()
      .optional()
      .describe('"bridge", "none", "host" or networks, comma-separated'),
    share: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('cgroup, ipc, net, pid, uts or "none"'),
    hostname: z.string().optional(),
  }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    state: z.string(),
    ports: z.array(z.string()).describe('Published ports as "HOST_IP:HOST_PORT->CONTAINER/PROTO"'),
  }),
  annotations: MUTATING,
  async handle(ctx, args) {
    const spec = buildPodSpec(args);
    checkContainerSpec(ctx.policy, spec);
    await checkJoinedNetworks(ctx, networksOf(spec));
    spec.labels = withManagedLabel(args.labels);
    try {
      await createPod(ctx.podman, spec, ctx.signal);
    } catch (error) {
      // Not after a timeout (creation may still be under way) nor a name conflict (not ours).
      if (error instanceof PodmanRejected || error instanceof NotFound) {
        await removeHalfMadePod(ctx.podman, args.name, AbortSignal.timeout(10_000)).catch(
          () => undefined,
        );
      }
      throw error;
    }
    const pod = await inspectPod(ctx.podman, args.name, ctx.signal);
    return {
      id: shortId(pod.Id),
      name: pod.Name,
      state: pod.State,
      ports: publishedPorts(pod.InfraConfig?.PortBindings),
    };
  },
  render(result) {
    const ports = result.ports.length ? `, ports ${result.ports.join(", ")}` : "";
    return `Pod ${result.name} (${result.id}) created${ports}. Add containers with podman_run pod=${result.name}.`;
  },
});
