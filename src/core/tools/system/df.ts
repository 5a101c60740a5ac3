import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { distinctImages, getSystemDf, summarizeDiskUsage } from "../../podman/system.js";
import { defineTool } from "../tool.js";
import { sharedShape } from "../listing.js";
import { READ_ONLY } from "../annotations.js";
import { formatBytes } from "./bytes.js";

const usage = sharedShape(
  "usage",
  z.object({
    count: z.number().int(),
    active: z
      .number()
      .int()
      .describe("In use: images with containers, running containers, volumes with links"),
    size: z.number().describe("Bytes"),
    reclaimable: z.number().describe("Bytes a prune could free"),
  }),
);

export const podmanSystemDf = defineTool({
  name: "podman_system_df",
  family: "system",
  title: "Disk usage",
  description: "Disk used and reclaimable by images, containers and volumes.",
  input: z.object({
    top: z.number().int().min(0).max(50).default(0),
  }),
  output: z.object({
    images: usage,
    containers: usage,
    volumes: usage,
    largest: z
      .object({
        images: z.array(
          z.object({
            id: z.string(),
            name: z.string().describe('"repository:tag", or the short id when untagged'),
            size: z.number(),
            containers: z.number().int(),
          }),
        ),
        containers: z.array(
          z.object({ id: z.string(), name: z.string(), status: z.string(), size: z.number() }),
        ),
        volumes: z.array(z.object({ name: z.string(), links: z.number().int(), size: z.number() })),
      })
      .optional()
      .describe("Only with top > 0"),
  }),
  annotations: READ_ONLY,
  async handle(ctx, { top }) {
    const report = await getSystemDf(ctx.podman, ctx.signal);
    const summary = summarizeDiskUsage(report);
    if (top === 0) return summary;
    const largest = <T>(items: T[] | null, size: (item: T) => number) =>
      [...(items ?? [])].sort((a, b) => size(b) - size(a)).slice(0, top);
    return {
      ...summary,
      largest: {
        images: largest(distinctImages(report.Images ?? []), (i) => i.Size).map((image) => ({
          id: shortId(image.ImageID),
          name:
            image.Repository && image.Repository !== "<none>"
              ? `${image.Repository}:${image.Tag}`
              : shortId(image.ImageID),
          size: image.Size,
          containers: image.Containers,
        })),
        containers: largest(report.Containers, (c) => c.RWSize).map((container) => ({
          id: shortId(container.ContainerID),
          name: container.Names,
          status: container.Status,
          size: container.RWSize,
        })),
        volumes: largest(report.Volumes, (v) => v.Size).map((volume) => ({
          name: volume.VolumeName,
          links: volume.Links,
          size: volume.Size,
        })),
      },
    };
  },
  render({ images, containers, volumes, largest }) {
    const row = (label: string, u: z.output<typeof usage>) =>
      `${label}: ${u.count} (${u.active} active), ${formatBytes(u.size)}, ` +
      `${formatBytes(u.reclaimable)} reclaimable`;
    const lines = [row("images", images), row("containers", containers), row("volumes", volumes)];
    if (largest) {
      for (const image of largest.images) {
        lines.push(
          `  image ${image.name} ${formatBytes(image.size)} (${image.containers} containers)`,
        );
      }
      for (const c of largest.containers) {
        lines.push(`  container ${c.name} ${c.id} ${formatBytes(c.size)} ${c.status}`);
      }
      for (const v of largest.volumes) {
        lines.push(`  volume ${v.name} ${formatBytes(v.size)} (${v.links} links)`);
      }
    }
    return lines.join("\n");
  },
});
