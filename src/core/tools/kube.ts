import * as z from "zod";
import { BadArgument, Conflict, NotFound, PodmanRejected } from "../errors.js";
import {
  type PlayKubeReport,
  checkKubeYaml,
  generateKube,
  inspectPlayedPod,
  playKube,
  teardownKube,
} from "../podman/kube.js";
import { checkPlayNetwork } from "../policy/joined.js";
import { enforceKubeYaml, kubePodNames } from "../policy/kube.js";
import { checkOwnershipIfExists } from "../policy/ownership.js";
import { shortId } from "./containers/summary.js";
import { type ToolContext, defineTool } from "./tool.js";

const yamlSource = {
  content: z.string().min(1).optional().describe("The Kubernetes YAML itself"),
  file: z
    .string()
    .min(1)
    .optional()
    .describe("Path of a YAML file on the host running this server (instead of content)"),
};

/** The YAML from exactly one of `content` and `file`, checked before Podman sees it. */
async function readKubeYaml(
  ctx: ToolContext,
  { content, file }: { content?: string; file?: string },
): Promise<string> {
  if ((content === undefined) === (file === undefined)) {
    throw new BadArgument(
      "give exactly one of content (the YAML text) and file (a path on the host)",
    );
  }
  const yaml = content ?? (await ctx.files.readTextFile(file as string));
  checkKubeYaml(yaml);
  return yaml;
}

export const podmanKubeGenerate = defineTool({
  name: "podman_kube_generate",
  title: "Generate Kubernetes YAML",
  description:
    "Generate Kubernetes YAML (a Pod per pod or container, plus a Service with service=true) " +
    "from existing pods or containers, to recreate them later with podman_kube_play or to " +
    "deploy them to Kubernetes. A container inside a pod cannot be named alone: name its pod. " +
    "Answers the YAML text.",
  input: z.object({
    names: z.array(z.string().min(1)).min(1).describe("Names or ids of pods or containers"),
    service: z.boolean().default(false).describe("Also generate a Service for published ports"),
  }),
  output: z.object({ yaml: z.string() }),
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handle(ctx, { names, service }) {
    return { yaml: await generateKube(ctx.podman, names, service, ctx.signal) };
  },
  render: ({ yaml }) => yaml,
});

const containerSummary = z.object({
  id: z.string().describe("Short (12 character) container id"),
  name: z.string(),
  state: z.string(),
});

const playedPod = z.object({
  id: z.string().describe("Short (12 character) pod id"),
  name: z.string(),
  state: z.string(),
  containers: z.array(containerSummary).describe("Its containers, the infra container left out"),
});

async function describePlayed(ctx: ToolContext, report: PlayKubeReport) {
  const pods = [];
  for (const entry of report.Pods ?? []) {
    const pod = await inspectPlayedPod(ctx.podman, entry.ID, ctx.signal);
    pods.push({
      id: shortId(pod.Id),
      name: pod.Name,
      state: pod.State,
      containers: (pod.Containers ?? [])
        .filter((c) => c.Id !== pod.InfraContainerID)
        .map((c) => ({ id: shortId(c.Id), name: c.Name, state: c.State })),
    });
  }
  return pods;
}

export const podmanKubePlay = defineTool({
  name: "podman_kube_play",
  title: "Play Kubernetes YAML",
  description:
    "Create (and by default start) the pods, containers and volumes described by Kubernetes " +
    "YAML (Pod, Deployment, PersistentVolumeClaim, ConfigMap, ...), like `podman kube play`; " +
    "images are pulled when missing. Give the YAML as `content` or as a `file` path on the " +
    "host. replace=true first tears down what the YAML describes, REMOVING those existing " +
    "pods. Answers the pods with their containers' names and states.",
  input: z.object({
    ...yamlSource,
    start: z.boolean().default(true).describe("Start the pods (false: only create them)"),
    network: z
      .string()
      .min(1)
      .optional()
      .describe("Podman network to attach the pods to (default: Podman's kube network)"),
    replace: z
      .boolean()
      .default(false)
      .describe("Remove the existing pods and containers the YAML names before playing it"),
  }),
  output: z.object({
    pods: z.array(playedPod),
    volumes: z.array(z.string()).optional().describe("Volumes created for claims"),
    container_errors: z.array(z.string()).optional(),
    replaced: z.array(z.string()).optional().describe("Short ids of the pods removed first"),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handle(ctx, args) {
    checkPlayNetwork(ctx, args.network);
    const yaml = enforceKubeYaml(ctx.policy, await readKubeYaml(ctx, args));
    let replaced: string[] = [];
    if (args.replace) {
      await checkOwnershipIfExists(ctx, "pod", kubePodNames(yaml));
      replaced = await teardownKube(ctx.podman, yaml, ctx.signal).catch((error: unknown) => {
        // Nothing to replace yet.
        if (error instanceof NotFound) return [];
        throw error;
      });
    }
    let report: PlayKubeReport;
    try {
      report = await playKube(ctx.podman, yaml, args, ctx.signal);
    } catch (error) {
      throw explainPlayFailure(error);
    }
    const errors = (report.Pods ?? []).flatMap((pod) => pod.ContainerErrors ?? []);
    const volumes = (report.Volumes ?? []).map((volume) => volume.Name);
    return {
      pods: await describePlayed(ctx, report),
      ...(volumes.length ? { volumes } : {}),
      ...(errors.length ? { container_errors: errors } : {}),
      ...(replaced.length ? { replaced: replaced.map(shortId) } : {}),
    };
  },
  render({ pods, volumes, container_errors, replaced }) {
    const lines: string[] = [];
    if (replaced?.length) lines.push(`Removed first: pod(s) ${replaced.join(", ")}`);
    for (const pod of pods) {
      const containers = pod.containers.map((c) => `${c.name} ${c.state}`).join(", ");
      lines.push(`Pod ${pod.name} (${pod.id}) ${pod.state}: ${containers || "no containers"}`);
    }
    if (pods.length === 0) lines.push("No pods created.");
    if (volumes?.length) lines.push(`Volumes: ${volumes.join(", ")}`);
    for (const error of container_errors ?? []) lines.push(`error: ${error}`);
    return lines.join("\n");
  },
});

/** Adds what the agent can do about a failed play. */
function explainPlayFailure(error: unknown): unknown {
  if (error instanceof Conflict) {
    return new Conflict(`${error.message}; pass replace=true to replace what exists`);
  }
  if (error instanceof PodmanRejected || error instanceof NotFound) {
    // Seen with Podman 4.3: an unknown network or image leaves the pod created without containers.
    const hint =
      "; Podman may have left a partly created pod behind: podman_kube_down with the same YAML removes it";
    return error instanceof NotFound
      ? new NotFound(error.message + hint)
      : new PodmanRejected(error.message + hint, error.status);
  }
  return error;
}

export const podmanKubeDown = defineTool({
  name: "podman_kube_down",
  title: "Tear down Kubernetes YAML",
  description:
    "Stop and remove the pods (with their containers) described by Kubernetes YAML, like " +
    "`podman kube down`; volumes are kept. Give the same YAML as to podman_kube_play, as " +
    "`content` or as a `file` path on the host. Answers the removed pods' ids.",
  input: z.object(yamlSource),
  output: z.object({
    removed_pods: z.array(z.string()).describe("Short ids of the removed pods"),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handle(ctx, args) {
    const yaml = await readKubeYaml(ctx, args);
    await checkOwnershipIfExists(ctx, "pod", kubePodNames(yaml));
    const removed = await teardownKube(ctx.podman, yaml, ctx.signal);
    return { removed_pods: removed.map(shortId) };
  },
  render: ({ removed_pods }) =>
    removed_pods.length ? `Removed pod(s) ${removed_pods.join(", ")}.` : "No pods to remove.",
});

export default [podmanKubeGenerate, podmanKubePlay, podmanKubeDown];
