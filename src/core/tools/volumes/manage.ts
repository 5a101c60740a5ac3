import * as z from "zod";
import { DESTRUCTIVE, MUTATING, READ_ONLY } from "../annotations.js";
import { ownershipRequired, withManagedLabel } from "../../policy/ownership.js";
import { MANAGED_LABEL } from "../../policy/policy.js";
import { maskUnlessShown } from "../../policy/secrets.js";
import { checkVolumeOptions } from "../../policy/spec.js";
import { Conflict } from "../../errors.js";
import {
  type VolumeInfo,
  createVolume,
  listVolumes,
  pruneVolumes,
  removeVolume,
} from "../../podman/volumes.js";
import { describeReportError } from "../../podman/removal.js";
import { defineTool } from "../tool.js";

const labelFilter = z.array(z.string()).optional();

const volumeSummary = z.object({
  name: z.string(),
  driver: z.string(),
  mountpoint: z.string().describe("Where the data lives on the host"),
  labels: z.record(z.string(), z.string()).optional().describe("Only when it has labels"),
  created: z.string().describe("Creation time, RFC 3339"),
});

function summarize(volume: VolumeInfo): z.output<typeof volumeSummary> {
  const labels = volume.Labels ?? {};
  return {
    name: volume.Name,
    driver: volume.Driver,
    mountpoint: volume.Mountpoint,
    ...(Object.keys(labels).length ? { labels } : {}),
    created: volume.CreatedAt,
  };
}

const renderLabels = (labels: Record<string, string> | undefined) =>
  labels
    ? ` ${Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(",")}`
    : "";

export const podmanVolumeLs = defineTool({
  name: "podman_volume_ls",
  family: "volumes",
  title: "List volumes",
  description: "List volumes; filters.dangling=true: the unused ones.",
  input: z.object({
    filters: z
      .object({
        name: z.string().optional(),
        label: labelFilter,
        dangling: z.boolean().optional(),
      })
      .optional(),
  }),
  output: z.object({ volumes: z.array(volumeSummary), count: z.number().int() }),
  annotations: READ_ONLY,
  async handle(ctx, { filters }) {
    const volumes = maskUnlessShown(
      ctx,
      (await listVolumes(ctx.podman, filters, ctx.signal)).map(summarize),
    );
    return { volumes, count: volumes.length };
  },
  render({ volumes }) {
    if (volumes.length === 0) return "No volumes.";
    return volumes
      .map((v) => `${v.name} ${v.driver} ${v.mountpoint}${renderLabels(v.labels)}`)
      .join("\n");
  },
});

export const podmanVolumeCreate = defineTool({
  name: "podman_volume_create",
  family: "volumes",
  title: "Create a volume",
  description: 'Create a named volume to mount with podman_run volumes ["NAME:/path"].',
  input: z.object({
    name: z.string().min(1).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    driver: z.string().min(1).optional(),
    options: z
      .record(z.string(), z.string())
      .optional()
      .describe('e.g. {"type": "tmpfs", "device": "tmpfs"}'),
  }),
  output: volumeSummary,
  annotations: MUTATING,
  async handle(ctx, args) {
    checkVolumeOptions(ctx.policy, args.options);
    const volume = await createVolume(
      ctx.podman,
      {
        Name: args.name,
        Driver: args.driver,
        Labels: withManagedLabel(args.labels),
        Options: args.options,
      },
      ctx.signal,
    );
    return summarize(volume);
  },
  render: (v) => `Volume ${v.name} created (${v.driver}, ${v.mountpoint}).`,
});

export const podmanVolumeRm = defineTool({
  name: "podman_volume_rm",
  family: "volumes",
  title: "Remove a volume",
  description: "Remove a volume and its data; force=true also REMOVES THE CONTAINERS using it.",
  input: z.object({
    name: z.string().min(1),
    force: z.boolean().default(false),
    timeout: z.number().int().min(0).max(3600).optional(),
  }),
  output: z.object({ removed: z.string() }),
  annotations: DESTRUCTIVE,
  scope: "admin",
  owns: { kind: "volume", arg: "name" },
  async handle(ctx, { name, force, timeout }) {
    try {
      await removeVolume(ctx.podman, name, { force, timeoutSeconds: timeout }, ctx.signal);
    } catch (error) {
      if (error instanceof Conflict && /being used/i.test(error.message)) {
        const message = error.message.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, "$1");
        throw new Conflict(
          `${message}; remove those containers first, or pass force=true to remove them with the volume`,
        );
      }
      throw error;
    }
    return { removed: name };
  },
  render: ({ removed }) => `Volume ${removed} removed.`,
});

export const podmanVolumePrune = defineTool({
  name: "podman_volume_prune",
  family: "volumes",
  title: "Prune volumes",
  description: "Remove every unused volume and its data. PREFER filters.label.",
  input: z.object({
    filters: z.object({ label: labelFilter }).optional(),
  }),
  output: z.object({
    removed: z.array(z.string()),
    space_reclaimed: z
      .number()
      .int()
      .optional()
      .describe("Bytes freed, when Podman reports them (not with several labels)"),
    failed: z
      .array(z.object({ name: z.string(), error: z.string() }))
      .optional()
      .describe("Volumes that could not be removed"),
  }),
  annotations: DESTRUCTIVE,
  scope: "admin",
  async handle(ctx, { filters }) {
    // With --managed-only even an admin prunes only what the server created.
    const labels = [...(filters?.label ?? [])];
    if (ownershipRequired(ctx)) labels.push(`${MANAGED_LABEL}=true`);
    const { reports, sizesReported } = await pruneVolumes(ctx.podman, labels, ctx.signal);
    const removed = reports.filter((r) => !r.Err);
    const failed = reports
      .filter((r) => r.Err)
      .map((r) => ({ name: r.Id, error: describeReportError(r.Err) }));
    const bytes = removed.reduce((total, r) => total + (r.Size ?? 0), 0);
    return {
      removed: removed.map((r) => r.Id),
      ...(sizesReported ? { space_reclaimed: bytes } : {}),
      ...(failed.length ? { failed } : {}),
    };
  },
  render({ removed, space_reclaimed, failed }) {
    const freed = space_reclaimed === undefined ? "" : `, ${space_reclaimed} bytes freed`;
    const lines = [
      removed.length
        ? `Removed ${removed.length} volume(s)${freed}: ${removed.join(", ")}`
        : "No unused volumes to remove.",
    ];
    for (const failure of failed ?? []) lines.push(`failed: ${failure.name}: ${failure.error}`);
    return lines.join("\n");
  },
});
