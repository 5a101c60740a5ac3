import * as z from "zod";
import { SECRET_NAME_PATTERN } from "../../podman/secret-mounts.js";

const SECRET_NAME_RULE =
  'letters, digits, "_", "." and "-", starting with a letter or digit, at most 253';

/** The name of a secret to create: its pattern is listed, since the caller chooses it. */
export const newSecretName = z.string().regex(SECRET_NAME_PATTERN, { message: SECRET_NAME_RULE });

/**
 * The name of an existing secret, checked the same way; as a refinement the
 * pattern stays out of the listing, where it would only say again what
 * podman_secret_create said.
 */
export const secretName = z
  .string()
  .refine((name) => SECRET_NAME_PATTERN.test(name), { message: SECRET_NAME_RULE });

const secretFile = z.object({
  name: secretName,
  target: z
    .string()
    .min(1)
    .optional()
    .describe("Relative: under /run/secrets/"),
  uid: z.number().int().min(0).optional(),
  gid: z.number().int().min(0).optional(),
  mode: z.number().int().min(0).max(0o777).optional().describe("e.g. 256 (0400)"),
});

const secretEnv = z.object({
  name: secretName,
  env: z.string().min(1),
});

/** How podman_run takes secrets: a name, or an object choosing the file or a variable. */
export const secretsArgument = z
  .array(z.union([secretName, secretEnv.strict(), secretFile.strict()]))
  .optional()
  .describe(
    '"NAME": file /run/secrets/NAME; {name, target}: file at target; {name, env}: ' +
      "environment variable env. Inspect shows names, never values.",
  );

export type SecretsArgument = z.output<typeof secretsArgument>;
