import { shortId } from "../../podman/ids.js";
import * as z from "zod";
import { imageId, pullImage, pushImage } from "../../podman/images.js";
import { checkRegistryTransfer } from "../../policy/registry.js";
import { defineTool } from "../tool.js";
import { withProgress } from "./progress.js";

const REGISTRY_TIMEOUT_MS = 30 * 60 * 1000;

const registryAuth = z
  .object({
    username: z.string().min(1),
    password: z.string().min(1),
  })
  .optional()
  .describe("For this call only");

const tlsVerify = z.boolean().optional().describe("false: plain HTTP or self-signed");

export const podmanPull = defineTool({
  name: "podman_pull",
  family: "images",
  title: "Pull an image",
  description: "Pull an image, even if present; podman_run pulls missing ones itself.",
  input: z.object({
    reference: z.string().min(1),
    tls_verify: tlsVerify,
    auth: registryAuth,
    platform: z
      .string()
      .regex(/^[a-z0-9_-]+(\/[a-z0-9_.-]+){0,2}$/i, 'expected "os/arch[/variant]"')
      .optional()
      .describe('e.g. "linux/arm64"'),
  }),
  output: z.object({
    reference: z.string(),
    id: z.string().describe("Short (12 character) image id"),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  async handle(ctx, args) {
    const reference = checkRegistryTransfer(ctx.policy, args.reference);
    const id = await withProgress(ctx, (report) =>
      pullImage(ctx.podman, reference, {
        policy: "always",
        tlsVerify: args.tls_verify,
        auth: args.auth,
        platform: args.platform,
        signal: ctx.signal,
        timeoutMs: REGISTRY_TIMEOUT_MS,
        onMessage: report,
      }),
    );
    return { reference: args.reference, id: shortId(id) };
  },
  render: ({ reference, id }) => `Pulled ${reference}: ${id}.`,
});

export const podmanPush = defineTool({
  name: "podman_push",
  family: "images",
  title: "Push an image",
  description: "Push a local image to `destination`, or to the registry its name says.",
  input: z.object({
    reference: z.string().min(1),
    destination: z.string().min(1).optional().describe("Default: reference (naming a registry)"),
    tls_verify: tlsVerify,
    auth: registryAuth,
  }),
  output: z.object({
    reference: z.string(),
    destination: z.string(),
    id: z.string().describe("Short id of the pushed image"),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true,
  },
  scope: "admin",
  async handle(ctx, args) {
    const destination = args.destination ?? args.reference;
    const sent = checkRegistryTransfer(ctx.policy, destination, " (the push destination)");
    const id = await imageId(ctx.podman, args.reference, ctx.signal);
    await withProgress(ctx, (report) =>
      pushImage(ctx.podman, args.reference, {
        destination: sent,
        tlsVerify: args.tls_verify,
        auth: args.auth,
        signal: ctx.signal,
        timeoutMs: REGISTRY_TIMEOUT_MS,
        onMessage: report,
      }),
    );
    return { reference: args.reference, destination, id: shortId(id) };
  },
  render: ({ reference, destination, id }) => `Pushed ${reference} (${id}) to ${destination}.`,
});
