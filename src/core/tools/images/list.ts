import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { READ_ONLY } from "../annotations.js";
import { listImages } from "../../podman/images.js";
import { defineTool } from "../tool.js";
import { humanSize } from "./size.js";

const imageSummary = z.object({
  id: z.string().describe("Short (12 character) image id"),
  tags: z.array(z.string()).describe("Its names (repository:tag); empty for a dangling image"),
  size: z.string().describe('Human size such as "2.03 MB"'),
  size_bytes: z.number().int(),
  created: z.string().describe("Creation time, RFC 3339"),
  containers: z.number().int().optional().describe("Containers using it, when Podman says"),
});

export const podmanImages = defineTool({
  name: "podman_images",
  family: "images",
  title: "List images",
  description: "List local images; all=true adds intermediate ones.",
  input: z.object({
    all: z.boolean().default(false),
    filters: z
      .object({
        reference: z.string().optional().describe("Glob"),
        dangling: z.boolean().optional(),
        label: z.array(z.string()).optional(),
      })
      .optional(),
  }),
  output: z.object({ images: z.array(imageSummary), count: z.number().int() }),
  annotations: READ_ONLY,
  async handle(ctx, args) {
    const listed = await listImages(ctx.podman, args, ctx.signal);
    const images = listed.map((image) => ({
      id: shortId(image.Id),
      tags: (image.RepoTags ?? []).filter((tag) => tag !== "<none>:<none>"),
      size: humanSize(image.Size),
      size_bytes: image.Size,
      created: new Date(image.Created * 1000).toISOString(),
      ...(image.Containers !== undefined ? { containers: image.Containers } : {}),
    }));
    return { images, count: images.length };
  },
  render({ images }) {
    if (images.length === 0) return "No images.";
    return images
      .map((image) => {
        const tags = image.tags.length ? image.tags.join(",") : "<none>";
        return `${image.id} ${tags} ${image.size} ${image.created}`;
      })
      .join("\n");
  },
});
