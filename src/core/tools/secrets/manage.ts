import * as z from "zod";
import { BadArgument } from "../../errors.js";
import {
  type SecretInfo,
  createSecret,
  inspectSecret,
  listSecrets,
  removeSecret,
} from "../../podman/secrets.js";
import { withManagedLabel } from "../../policy/ownership.js";
import { MANAGED_LABEL } from "../../policy/policy.js";
import { maskUnlessShown } from "../../policy/secrets.js";
import { DESTRUCTIVE, MUTATING, READ_ONLY } from "../annotations.js";
import { defineTool, type ToolContext } from "../tool.js";
import { newSecretName, secretName } from "./arguments.js";

/** Large enough for a key or certificate chain, small enough for one tool call. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

const secretSummary = z.object({
  name: z.string(),
  id: z.string(),
  created: z.string().describe("Creation time, RFC 3339"),
  managed: z.boolean().describe("Created by mcp-podman: an operate token may use and remove it"),
  labels: z.record(z.string(), z.string()).optional().describe("Only when it has labels"),
});

function summarize(secret: SecretInfo): z.output<typeof secretSummary> {
  const labels = secret.Spec.Labels ?? {};
  return {
    name: secret.Spec.Name,
    id: secret.ID,
    created: secret.CreatedAt,
    managed: labels[MANAGED_LABEL] === "true",
    ...(Object.keys(labels).length ? { labels } : {}),
  };
}

/** Podman 4.3 lists secrets without their labels: those come from each one's inspect. */
async function withLabels(ctx: ToolContext, secret: SecretInfo): Promise<SecretInfo> {
  if (secret.Spec.Labels) return secret;
  return inspectSecret(ctx.podman, secret.ID, ctx.signal).catch(() => secret);
}

export const podmanSecretLs = defineTool({
  name: "podman_secret_ls",
  title: "List secrets",
  description: "List secrets (never their values) and which mcp-podman created.",
  input: z.object({}),
  output: z.object({ secrets: z.array(secretSummary), count: z.number().int() }),
  family: "secrets",
  annotations: READ_ONLY,
  async handle(ctx) {
    const listed = await listSecrets(ctx.podman, ctx.signal);
    const secrets = [];
    for (const secret of listed) secrets.push(summarize(await withLabels(ctx, secret)));
    secrets.sort((a, b) => a.name.localeCompare(b.name));
    return { secrets: maskUnlessShown(ctx, secrets), count: secrets.length };
  },
  render({ secrets }) {
    if (secrets.length === 0) return "No secrets.";
    return secrets
      .map((s) => `${s.name} ${s.id} ${s.created}${s.managed ? "" : " (not mcp-podman's)"}`)
      .join("\n");
  },
});

export const podmanSecretCreate = defineTool({
  name: "podman_secret_create",
  title: "Create a secret",
  description:
    "Store a credential for podman_run `secrets` or compose, not a plain env value; never echoed or logged.",
  input: z.object({
    name: newSecretName,
    value: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  output: z.object({ name: z.string(), id: z.string() }),
  family: "secrets",
  annotations: MUTATING,
  secretArguments: ["value"],
  async handle(ctx, { name, value, labels }) {
    const size = new TextEncoder().encode(value).length;
    if (size > MAX_SECRET_VALUE_BYTES) {
      throw new BadArgument(
        `The value of secret "${name}" is ${size} bytes; at most ${MAX_SECRET_VALUE_BYTES} are allowed`,
      );
    }
    const created = await createSecret(
      ctx.podman,
      { name, value, labels: withManagedLabel(labels) },
      ctx.signal,
    );
    return { name, id: created.ID };
  },
  render: ({ name, id }) => `Secret ${name} created (${id}).`,
  audit: ({ name }) => ({ created: [`secret/${name}`] }),
});

export const podmanSecretRm = defineTool({
  name: "podman_secret_rm",
  title: "Remove a secret",
  description: "Remove a secret; containers using it then fail to start: remove them first.",
  input: z.object({ name: secretName }),
  output: z.object({ name: z.string(), removed: z.boolean() }),
  family: "secrets",
  annotations: { ...DESTRUCTIVE, idempotentHint: false },
  owns: { kind: "secret", arg: "name" },
  async handle(ctx, { name }) {
    await removeSecret(ctx.podman, name, ctx.signal);
    return { name, removed: true };
  },
  render: ({ name }) => `Secret ${name} removed.`,
  audit: ({ name }) => ({ removed: [`secret/${name}`] }),
});
