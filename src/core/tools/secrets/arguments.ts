import * as z from "zod";
import { SECRET_NAME_PATTERN } from "../../podman/secret-mounts.js";
import { listedAs } from "../listing.js";

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
  target: z.string().min(1).optional().describe("Relative paths are under /run/secrets/"),
  uid: z.number().int().min(0).optional(),
  gid: z.number().int().min(0).optional(),
  mode: z.number().int().min(0).max(0o777).optional().describe("e.g. 256 for 0400"),
});

const secretEnv = z.object({
  name: secretName,
  env: z.string().min(1),
});

/** One object listing every field; the description says which go together. */
const secretObject = z.object({
  name: z.string(),
  target: z.string().optional().describe("Relative: under /run/secrets/"),
  env: z.string().optional(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  mode: z.number().int().optional().describe("e.g. 256 (0400)"),
});

/** How podman_run takes secrets: a name, or an object choosing the file or a variable. */
export const secretsArgument = z
  .array(
    listedAs(
      z.union([secretName, secretEnv.strict(), secretFile.strict()]),
      z.union([z.string(), secretObject]),
    ),
  )
  .optional()
  .describe(
    '"NAME": file /run/secrets/NAME; {name, target}: file at target; {name, env}: variable env.',
  );

export type SecretsArgument = z.output<typeof secretsArgument>;
