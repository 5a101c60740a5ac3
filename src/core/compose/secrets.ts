import { BadArgument } from "../errors.js";
import { SECRET_NAME_PATTERN, type SecretUse, secretsToSpec } from "../podman/secret-mounts.js";
import { checkOwnership } from "../policy/ownership.js";
import type { CallContext } from "../call-context.js";
import { isAbsolute, resolvePath } from "./host-path.js";
import { type KeyPath, at, fail } from "./issues.js";
import type { ComposeProject, SecretConfig, ServiceConfig, ServiceSecret } from "./model.js";
import { integer, isMapping, list, mapping, nonEmptyText, onlyKeys, text } from "./values.js";

/**
 * A top-level secret: an existing Podman secret (`external: true`, optionally
 * with `name`), or a host `file`, which Docker Compose without swarm
 * bind-mounts read-only: the value never passes through the server, it stays
 * in step with the file, and the bind policy (--allow-bind) judges it as any
 * other bind mount. `environment:` is refused: it would hand a variable of
 * the server's own environment to the container.
 */
export function readSecret(
  raw: unknown,
  path: KeyPath,
  key: string,
  baseDir: string | undefined,
): SecretConfig {
  const body = mapping(raw ?? {}, path);
  if (body.environment !== undefined) {
    fail(
      path,
      '"environment" secrets are not supported: they would give a container a variable of the ' +
        "server's own environment; create the secret with podman_secret_create and declare it " +
        "`external: true`",
      [...path, "environment"],
    );
  }
  if (body.file !== undefined) {
    onlyKeys(body, path, ["file", "name"]);
    return { kind: "file", path: secretFile(text(body.file, [...path, "file"]), path, baseDir) };
  }
  onlyKeys(body, path, ["external", "name"]);
  let name = body.name === undefined ? undefined : nonEmptyText(body.name, [...path, "name"]);
  const external = body.external;
  if (isMapping(external)) {
    onlyKeys(external, [...path, "external"], ["name"]);
    name ??= nonEmptyText(external.name, [...path, "external", "name"]);
  } else if (external !== true) {
    fail(path, "a secret needs `file` or `external: true` (an existing Podman secret)", [
      ...path,
      "external",
    ]);
  }
  name ??= key;
  if (!SECRET_NAME_PATTERN.test(name)) fail(path, `"${name}" is not a valid secret name`);
  return { kind: "external", name };
}

function secretFile(file: string, path: KeyPath, baseDir: string | undefined): string {
  if (file === "" || file.startsWith("~")) fail([...path, "file"], `"${file}" is not a file path`);
  if (isAbsolute(file)) return resolvePath("/", file);
  if (baseDir === undefined) {
    fail(
      [...path, "file"],
      `secret file "${file}" is relative: give the compose \`file\`, or \`working_dir\` with \`content\``,
    );
  }
  return resolvePath(baseDir, file);
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

/** Where Compose puts a secret: /run/secrets/KEY, or the target (relative: under /run/secrets/). */
const secretTarget = ({ key, target }: ServiceSecret) =>
  target === undefined ? `/run/secrets/${key}` : resolvePath("/run/secrets", target);

/**
 * Adds a service's secrets to its SpecGenerator: Podman secrets as `secrets`,
 * file secrets as read-only bind mounts beside the service's own.
 */
export function addServiceSecrets(
  spec: Record<string, unknown>,
  project: ComposeProject,
  service: ServiceConfig,
): void {
  const uses: SecretUse[] = [];
  const binds: { Type: "bind"; Source: string; Destination: string; Options: string[] }[] = [];
  for (const use of service.secrets) {
    const secret = project.secrets[use.key]!;
    if (secret.kind === "external") {
      const { key: _key, target: _target, ...owner } = use;
      uses.push({ name: secret.name, target: secretTarget(use), ...owner });
      continue;
    }
    if (use.uid !== undefined || use.gid !== undefined || use.mode !== undefined) {
      throw new BadArgument(
        `service "${service.name}" secret "${use.key}": a file secret is bind-mounted as the ` +
          "file is, so uid, gid and mode cannot be set",
      );
    }
    binds.push({
      Type: "bind",
      Source: secret.path,
      Destination: secretTarget(use),
      Options: ["ro"],
    });
  }
  Object.assign(spec, secretsToSpec(uses));
  if (binds.length) spec.mounts = [...((spec.mounts as unknown[] | undefined) ?? []), ...binds];
}

/** Before anything is created: every Podman secret the services use must be one the caller may use. */
export async function checkComposeSecrets(
  ctx: CallContext,
  project: ComposeProject,
  services: readonly ServiceConfig[],
): Promise<void> {
  const names = new Set<string>();
  for (const service of services) {
    for (const { key } of service.secrets) {
      const secret = project.secrets[key]!;
      if (secret.kind === "external") names.add(secret.name);
    }
  }
  for (const name of names) await checkOwnership(ctx, "secret", name);
}
