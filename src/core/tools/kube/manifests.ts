import * as z from "zod";
import { DESTRUCTIVE, READ_ONLY } from "../annotations.js";
import { BadArgument, Conflict, NotFound, PodmanRejected } from "../../errors.js";
import {
  type PlayKubeReport,
  generateKube,
  inspectPlayedPod,
  playKube,
  teardownKube,
} from "../../podman/kube.js";
import { createVolume, volumeExists } from "../../podman/volumes.js";
import { shortId } from "../../podman/ids.js";
import { checkCeilingsEnforced } from "../../policy/ceilings-enforced.js";
import { checkPlayNetwork } from "../../policy/joined.js";
import { type KubePlayPlan, planKubeDown, planKubePlay } from "../../policy/kube.js";
import {
  checkOwnershipIfExists,
  managedLabels,
  ownershipRequired,
} from "../../policy/ownership.js";
import { PolicyRefusal } from "../../policy/refusal.js";
import { maskYamlSecrets } from "../../policy/secrets.js";
import { type ToolContext, defineTool } from "../tool.js";

const yamlSource = {
  content: z.string().min(1).optional(),
  file: z.string().min(1).optional().describe("Host path"),
};

/** The YAML text from exactly one of `content` and `file` (checked by the plan made of it). */
async function readKubeYaml(
  ctx: ToolContext,
  { content, file }: { content?: string; file?: string },
): Promise<string> {
  if ((content === undefined) === (file === undefined)) {
    throw new BadArgument(
      "give exactly one of content (the YAML text) and file (a path on the host)",
    );
  }
  return content ?? (await ctx.files.readTextFile(file as string));
}

/**
 * The existing objects a play would take: volumes must be the server's own,
 * and Podman secrets never are (the server creates none), so reading one
 * needs a token that may touch anything.
 */
async function checkPlayOwnership(ctx: ToolContext, plan: KubePlayPlan) {
  if (plan.secretNames.length && ownershipRequired(ctx)) {
    throw new PolicyRefusal(
      `the YAML reads the Podman secret "${plan.secretNames[0]}", and mcp-podman creates no ` +
        `secrets: an operate token may only use objects mcp-podman created (an admin token may ` +
        `read secrets, unless --managed-only); pass the value through env or a ConfigMap instead`,
    );
  }
  await checkOwnershipIfExists(ctx, "volume", plan.volumeNames);
}

/**
 * Podman 4.3 backs a configMap volume with a named volume of the ConfigMap's
 * name, reused if it exists and kept after kube down, but unlabelled: made
 * here first, it is the server's, and playing the YAML again stays allowed.
 */
async function createConfigMapVolumes(ctx: ToolContext, plan: KubePlayPlan) {
  for (const name of plan.configMapVolumeNames) {
    if (await volumeExists(ctx.podman, name, ctx.signal)) continue;
    await createVolume(ctx.podman, { Name: name, Labels: managedLabels() }, ctx.signal);
  }
}

export const podmanKubeGenerate = defineTool({
  name: "podman_kube_generate",
  family: "kube",
  title: "Generate Kubernetes YAML",
  description: "Kubernetes YAML of existing pods or containers, for podman_kube_play.",
  input: z.object({
    names: z.array(z.string().min(1)).min(1),
    service: z.boolean().default(false),
  }),
  output: z.object({ yaml: z.string() }),
  annotations: READ_ONLY,
  async handle(ctx, { names, service }) {
    const yaml = await generateKube(ctx.podman, names, service, ctx.signal);
    return { yaml: ctx.showSecrets ? yaml : maskYamlSecrets(yaml) };
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
  family: "kube",
  title: "Play Kubernetes YAML",
  description:
    "Run Kubernetes YAML (`podman kube play`); replace=true first REMOVES the pods it names.",
  input: z.object({
    ...yamlSource,
    start: z.boolean().default(true),
    network: z.string().min(1).optional(),
    replace: z.boolean().default(false),
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
    await checkPlayNetwork(ctx, args.network);
    const plan = planKubePlay(ctx.policy, await readKubeYaml(ctx, args));
    await checkCeilingsEnforced(ctx);
    await checkPlayOwnership(ctx, plan);
    await createConfigMapVolumes(ctx, plan);
    let replaced: string[] = [];
    if (args.replace && plan.podNames.length) {
      await checkOwnershipIfExists(ctx, "pod", plan.podNames);
      replaced = await teardownKube(ctx.podman, plan.teardownYaml, ctx.signal).catch(
        (error: unknown) => {
          // Nothing to replace yet.
          if (error instanceof NotFound) return [];
          throw error;
        },
      );
    }
    let report: PlayKubeReport;
    try {
      report = await playKube(ctx.podman, plan.yaml, args, ctx.signal);
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
  audit: ({ pods, volumes, replaced }) => ({
    created: [
      ...pods.flatMap((pod) => [
        `pod/${pod.name}`,
        ...pod.containers.map((container) => `container/${container.name}`),
      ]),
      ...(volumes ?? []).map((name) => `volume/${name}`),
    ],
    removed: (replaced ?? []).map((id) => `pod/${id}`),
  }),
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
  family: "kube",
  title: "Tear down Kubernetes YAML",
  description: "Stop and remove the pods of Kubernetes YAML (`podman kube down`); volumes stay.",
  input: z.object(yamlSource),
  output: z.object({
    removed_pods: z.array(z.string()).describe("Short ids of the removed pods"),
  }),
  annotations: DESTRUCTIVE,
  async handle(ctx, args) {
    const plan = planKubeDown(await readKubeYaml(ctx, args));
    // Volumes, claims and ConfigMaps are kept: without pods there is nothing to remove.
    if (plan.podNames.length === 0) return { removed_pods: [] };
    await checkOwnershipIfExists(ctx, "pod", plan.podNames);
    const removed = await teardownKube(ctx.podman, plan.teardownYaml, ctx.signal);
    return { removed_pods: removed.map(shortId) };
  },
  audit: ({ removed_pods }) => ({ removed: removed_pods.map((id) => `pod/${id}`) }),
  render: ({ removed_pods }) =>
    removed_pods.length ? `Removed pod(s) ${removed_pods.join(", ")}.` : "No pods to remove.",
});
