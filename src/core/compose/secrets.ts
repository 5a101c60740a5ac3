import { SECRET_NAME_PATTERN, type SecretUse, secretsToSpec } from "../podman/secret-mounts.js";
import { checkOwnership } from "../policy/ownership.js";
import type { ToolContext } from "../tools/tool.js";
import { type KeyPath, at, fail } from "./issues.js";
import type { ComposeProject, SecretConfig, ServiceConfig, ServiceSecret } from "./model.js";
import { integer, isMapping, list, mapping, nonEmptyText, onlyKeys, text } from "./values.js";

/**
 * A top-level secret: only an existing Podman secret (`external: true`,
 * optionally with `name`). `file:` and `environment:` are refused: up would
 * have to keep a Podman secret in step with the file, and Podman never
 * answers a secret's value, so a changed file could be neither noticed nor
 * safely replaced (containers using a removed secret fail to start again).
 */
export function readSecret(raw: unknown, path: KeyPath, key: string): SecretConfig {
  const body = mapping(raw ?? {}, path);
  for (const source of ["file", "environment"]) {
    if (body[source] !== undefined) {
      fail(
        path,
        `"${source}" secrets are not supported: create the secret with podman_secret_create ` +
          "and declare it here with `external: true`",
        [...path, source],
      );
    }
  }
  onlyKeys(body, path, ["external", "name"]);
  let name = body.name === undefined ? undefined : nonEmptyText(body.name, [...path, "name"]);
  const external = body.external;
  if (isMapping(external)) {
    onlyKeys(external, [...path, "external"], ["name"]);
    name ??= nonEmptyText(external.name, [...path, "external", "name"]);
  } else if (external !== true) {
    fail(path, "a secret must be `external: true` (an existing Podman secret)", [
      ...path,
      "external",
    ]);
  }
  name ??= key;
  if (!SECRET_NAME_PATTERN.test(name)) fail(path, `"${name}" is not a valid secret name`);
  return { name };
}

/** A service's `secrets:`: keys of the top-level section, short ("db_password") or long syntax. */
export function readServiceSecrets(value: unknown, path: KeyPath): ServiceSecret[] {
  return list(value, path).map((item, index) =>
    at([...path, index], () => readServiceSecret(item, [...path, index])),
  );
}

function readServiceSecret(item: unknown, path: KeyPath): ServiceSecret {
  if (!isMapping(item)) return { key: nonEmptyText(item, path) };
  onlyKeys(item, path, ["source", "target", "uid", "gid", "mode"]);
  const secret: ServiceSecret = { key: nonEmptyText(item.source, [...path, "source"]) };
  if (item.target !== undefined) secret.target = nonEmptyText(item.target, [...path, "target"]);
  // Compose writes uid and gid as strings ("103"), mode as a number (0o440).
  if (item.uid !== undefined) secret.uid = numeric(item.uid, [...path, "uid"]);
  if (item.gid !== undefined) secret.gid = numeric(item.gid, [...path, "gid"]);
  if (item.mode !== undefined) {
    const mode = integer(item.mode, [...path, "mode"]);
    if (mode > 0o777) fail([...path, "mode"], `${mode} is not a file mode (at most 0o777)`);
    secret.mode = mode;
  }
  return secret;
}

function numeric(value: unknown, path: KeyPath): number {
  if (typeof value === "number") return integer(value, path);
  const digits = text(value, path);
  if (!/^\d+$/.test(digits)) fail(path, `"${digits}" is not a number`);
  return Number(digits);
}

/** Compose mounts a secret at /run/secrets/KEY, whatever the Podman secret is called. */
export function serviceSecretUses(project: ComposeProject, service: ServiceConfig): SecretUse[] {
  return service.secrets.map(({ key, target, ...owner }) => ({
    name: project.secrets[key]!.name,
    target: target ?? key,
    ...owner,
  }));
}

export function serviceSecretsSpec(project: ComposeProject, service: ServiceConfig) {
  return service.secrets.length ? secretsToSpec(serviceSecretUses(project, service)) : {};
}

/** Before anything is created: every secret the services use must be one the caller may use. */
export async function checkComposeSecrets(
  ctx: ToolContext,
  project: ComposeProject,
  services: readonly ServiceConfig[],
): Promise<void> {
  const names = new Set(
    services.flatMap((service) => service.secrets.map(({ key }) => project.secrets[key]!.name)),
  );
  for (const name of names) await checkOwnership(ctx, "secret", name);
}
