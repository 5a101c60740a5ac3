import { BadArgument } from "../errors.js";

/**
 * How a container gets one secret: a file (under /run/secrets/ unless the
 * target is absolute) or an environment variable.
 */
export type SecretUse =
  | { name: string; target?: string; uid?: number; gid?: number; mode?: number }
  | { name: string; env: string };

/** What libpod's SpecGenerator takes: `secrets` files and `secret_env` (variable → secret name). */
export interface SecretSpecFragment {
  secrets?: { Source: string; Target?: string; UID?: number; GID?: number; Mode?: number }[];
  secret_env?: Record<string, string>;
}

/** Podman's own rule, kept narrower so a name is also a safe file name under /run/secrets. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function secretsToSpec(uses: readonly SecretUse[]): SecretSpecFragment {
  const files: NonNullable<SecretSpecFragment["secrets"]> = [];
  const env: Record<string, string> = {};
  const targets = new Set<string>();
  for (const use of uses) {
    if (!SECRET_NAME_PATTERN.test(use.name)) {
      throw new BadArgument(
        `Invalid secret name "${use.name}": letters, digits, "_", "." and "-", starting with a letter or digit`,
      );
    }
    if ("env" in use) {
      if (!ENV_NAME.test(use.env)) {
        throw new BadArgument(
          `Invalid environment variable name "${use.env}" for secret "${use.name}"`,
        );
      }
      if (use.env in env) throw new BadArgument(`Two secrets set the variable ${use.env}`);
      env[use.env] = use.name;
      continue;
    }
    const target = fileTarget(use.name, use.target);
    if (targets.has(target)) throw new BadArgument(`Two secrets are mounted at ${target}`);
    targets.add(target);
    files.push({
      Source: use.name,
      ...(use.target !== undefined ? { Target: use.target } : {}),
      ...(use.uid !== undefined ? { UID: use.uid } : {}),
      ...(use.gid !== undefined ? { GID: use.gid } : {}),
      ...(use.mode !== undefined ? { Mode: use.mode } : {}),
    });
  }
  return {
    ...(files.length ? { secrets: files } : {}),
    ...(Object.keys(env).length ? { secret_env: env } : {}),
  };
}

/** Where the file appears: Podman puts a relative target under /run/secrets/. */
function fileTarget(name: string, target: string | undefined): string {
  if (target === undefined) return `/run/secrets/${name}`;
  if (target === "" || target.split("/").includes("..") || target.includes("\0")) {
    throw new BadArgument(
      `Invalid target "${target}" for secret "${name}": a file path without ".."`,
    );
  }
  return target.startsWith("/") ? target : `/run/secrets/${target}`;
}

/** The names of the secrets a SpecGenerator uses, each once. */
export function secretNamesOf(spec: SecretSpecFragment): string[] {
  return [
    ...new Set([
      ...(spec.secrets ?? []).map((secret) => secret.Source),
      ...Object.values(spec.secret_env ?? {}),
    ]),
  ];
}
