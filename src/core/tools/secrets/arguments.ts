import * as z from "zod";
import { SECRET_NAME_PATTERN } from "../../podman/secret-mounts.js";

export const secretName = z
  .string()
  .regex(SECRET_NAME_PATTERN, {
    message: 'letters, digits, "_", "." and "-", starting with a letter or digit, at most 253',
  })
  .describe("Secret name");

const secretFile = z.object({
  name: secretName,
  target: z
    .string()
    .min(1)
    .optional()
    .describe("File path in the container; relative paths are under /run/secrets/ (default: NAME)"),
  uid: z.number().int().min(0).optional(),
  gid: z.number().int().min(0).optional(),
  mode: z.number().int().min(0).max(0o777).optional().describe("File mode, e.g. 256 for 0400"),
});

const secretEnv = z.object({
  name: secretName,
  env: z.string().min(1).describe("Environment variable that gets the value instead of a file"),
});

/** How podman_run takes secrets: a name, or an object choosing the file or a variable. */
export const secretsArgument = z
  .array(z.union([secretName, secretEnv.strict(), secretFile.strict()]))
  .optional()
  .describe(
    'Podman secrets (see podman_secret_create) the container gets: "NAME" mounts the file ' +
      "/run/secrets/NAME; {name, target} mounts it at target; {name, env} sets the environment " +
      "variable env to the value. Inspect shows the secret's name, never its value.",
  );

export type SecretsArgument = z.output<typeof secretsArgument>;
