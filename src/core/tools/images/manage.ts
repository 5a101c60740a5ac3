import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { DESTRUCTIVE, IDEMPOTENT } from "../annotations.js";
import { imageOrigin, pruneImages, removeImage, tagImage } from "../../podman/images.js";
import { MANAGED_LABEL } from "../../policy/policy.js";
import { checkTagOrigin, tagTarget } from "../../policy/registry.js";
import { defineTool } from "../tool.js";
import { humanSize } from "./size.js";

export const podmanTag = defineTool({
  name: "podman_tag",
  family: "images",
  title: "Tag an image",
  description: "Add a name to a local image, e.g. before podman_push; no tag means :latest.",
  input: z.object({
    source: z.string().min(1),
    target: z.string().min(1),
  }),
  output: z.object({ source: z.string(), target: z.string(), id: z.string() }),
  annotations: IDEMPOTENT,
  async handle(ctx, { source, target }) {
    const sent = tagTarget(target);
    const origin = await imageOrigin(ctx.podman, source, ctx.signal);
    checkTagOrigin(ctx.policy, target, {
      names: origin.names,
      managed: origin.labels[MANAGED_LABEL] !== undefined,
    });
    // The id, not the caller's name: the name could have moved since it was judged.
    await tagImage(ctx.podman, origin.id, sent, ctx.signal);
    return { source, target, id: shortId(origin.id) };
  },
  render: ({ source, target, id }) => `Tagged ${source} (${id}) as ${target}.`,
});

export const podmanRmi = defineTool({
  name: "podman_rmi",
  family: "images",
  title: "Remove an image",
  description:
    "Remove an image name, and the image with its last one; force=true also its containers.",
  input: z.object({
    reference: z.string().min(1),
    force: z.boolean().default(false),
  }),
  output: z.object({
    untagged: z.array(z.string()).describe("Names removed"),
    deleted: z.array(z.string()).describe("Short ids of images deleted"),
  }),
  annotations: DESTRUCTIVE,
  scope: "admin",
  async handle(ctx, { reference, force }) {
    const removed = await removeImage(ctx.podman, reference, force, ctx.signal);
    return { untagged: removed.untagged, deleted: removed.deleted.map(shortId) };
  },
  render({ untagged, deleted }) {
    const parts: string[] = [];
    if (untagged.length) parts.push(`Untagged ${untagged.join(", ")}`);
    if (deleted.length) parts.push(`deleted ${deleted.join(", ")}`);
    return parts.length ? `${parts.join("; ")}.` : "Nothing was removed.";
  },
});

export const podmanImagePrune = defineTool({
  name: "podman_image_prune",
  family: "images",
  title: "Prune images",
  description: "Remove dangling images; dangling_only=false: every image no container uses.",
  input: z.object({
    dangling_only: z.boolean().default(true),
    filters: z
      .object({
        label: z.array(z.string()).optional(),
      })
      .optional(),
  }),
  output: z.object({
    pruned: z.array(z.object({ id: z.string(), size_bytes: z.number().int() })),
    count: z.number().int(),
    freed_bytes: z.number().int(),
    freed: z.string().describe("freed_bytes in human units"),
    errors: z.array(z.string()).optional().describe("Images Podman could not remove, and why"),
  }),
  annotations: DESTRUCTIVE,
  scope: "admin",
  async handle(ctx, args) {
    const report = await pruneImages(
      ctx.podman,
      { all: !args.dangling_only, labels: args.filters?.label },
      ctx.signal,
    );
    const pruned = report.pruned.map((image) => ({
      id: shortId(image.id),
      size_bytes: image.size,
    }));
    const freedBytes = pruned.reduce((sum, image) => sum + image.size_bytes, 0);
    return {
      pruned,
      count: pruned.length,
      freed_bytes: freedBytes,
      freed: humanSize(freedBytes),
      ...(report.errors.length ? { errors: report.errors } : {}),
    };
  },
  render({ pruned, freed, errors }) {
    const lines = [
      pruned.length
        ? `Pruned ${pruned.length} image(s), freed ${freed}: ${pruned.map((image) => image.id).join(", ")}.`
        : "Nothing to prune.",
    ];
    for (const error of errors ?? []) lines.push(`not removed: ${error}`);
    return lines.join("\n");
  },
});
