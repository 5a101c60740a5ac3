import type { ContainerPolicy } from "./policy.js";
import { PolicyRefusal } from "./refusal.js";
import { withoutTrailingSlashes } from "./host-path.js";

/*
 * What --allowed-registries means: every image reference is read as Docker's
 * reference grammar reads it. A first component with a dot, a port or equal
 * to "localhost" is the registry; anything else (a short name) means
 * docker.io, a single-component name docker.io/library/NAME. With the flag
 * set, the server sends Podman the fully qualified name, so Podman's own
 * short-name resolution (registries.conf aliases and search registries)
 * never picks another registry. An entry allows a registry ("quay.io") or a
 * namespace below it ("docker.io/library"); "localhost" allows the names of
 * local images (localhost/...), not a registry listening on localhost:PORT.
 */

const DOMAIN_COMPONENT = "(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])";
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[a-z][a-z0-9]*(?:[-_+.][a-z][a-z0-9]*)*:[0-9a-f]{32,}";
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const MAX_NAME_LENGTH = 255;

/**
 * containers/image transports: Podman reads "TRANSPORT:rest" as an image
 * somewhere else, host paths included (dir:, oci-archive:, docker-archive:).
 */
const TRANSPORTS = new Set([
  "atomic",
  "containers-storage",
  "dir",
  "docker",
  "docker-archive",
  "docker-daemon",
  "oci",
  "oci-archive",
  "ostree",
  "sif",
  "tarball",
]);

export interface ImageReference {
  /** The registry host as written, or docker.io for a short name. */
  registry: string;
  /** false for a short name (no registry written). */
  explicitRegistry: boolean;
  /** The repository path as written, without a registry. */
  path: string;
  /** Repository path below the registry, library/ added for official Docker Hub images. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses a reference strictly, or refuses it. */
export function parseImageReference(reference: string, where = ""): ImageReference {
  refuseTransport(reference, where);
  const match = reference.length <= 2 * MAX_NAME_LENGTH ? REFERENCE.exec(reference) : null;
  if (!match) {
    throw new PolicyRefusal(
      `"${reference}"${where} is not an image reference the server can check ` +
        '(expected "[registry/]repository[:tag][@digest]", lower case)',
    );
  }
  const [, domain, rest, tag, digest] = match;
  const isRegistry =
    domain !== undefined &&
    (domain === "localhost" || domain.includes(".") || domain.includes(":"));
  const registry = isRegistry ? domain : "docker.io";
  const path = isRegistry || domain === undefined ? rest! : `${domain}/${rest}`;
  const repository = registry === "docker.io" && !path.includes("/") ? `library/${path}` : path;
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) {
    throw new PolicyRefusal(`"${reference}"${where} is longer than an image name may be`);
  }
  return {
    registry,
    explicitRegistry: isRegistry,
    path,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

function refuseTransport(reference: string, where: string): void {
  const transport = reference.split(":", 1)[0]!.toLowerCase();
  if (reference.includes(":") && TRANSPORTS.has(transport)) {
    throw new PolicyRefusal(
      `the image "${reference}"${where} names the ${transport}: transport, which reads images ` +
        "from places other than a registry (host paths among them): give a registry reference",
    );
  }
}

/** The registry host a reference names (docker.io for a short name), read without judging the rest. */
export function imageRegistry(reference: string): string {
  const slash = reference.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = reference.slice(0, slash);
  if (first === "localhost" || first.includes(".") || first.includes(":")) return first;
  return "docker.io";
}

/** "registry/repository[:tag][@digest]", what Podman is sent once the policy has judged it. */
export function qualifiedReference(reference: string): string {
  const parsed = parseImageReference(reference);
  return (
    `${parsed.registry}/${parsed.repository}` +
    (parsed.tag ? `:${parsed.tag}` : "") +
    (parsed.digest ? `@${parsed.digest}` : "")
  );
}

/** An entry allows its registry ("quay.io") or a namespace below it ("docker.io/library"). */
export function registryAllowed(policy: ContainerPolicy, reference: string): boolean {
  if (!policy.allowedRegistries) return true;
  let parsed: ImageReference;
  try {
    parsed = parseImageReference(reference);
  } catch {
    return false;
  }
  const full = `${parsed.registry}/${parsed.repository}`;
  return policy.allowedRegistries.some((entry) => {
    const prefix = withoutTrailingSlashes(entry.toLowerCase());
    return full === prefix || full.startsWith(`${prefix}/`);
  });
}

/**
 * Refuses a reference outside the policy, and always one that names a
 * transport; answers what to send Podman: the qualified reference when
 * --allowed-registries is set, else the reference as given.
 */
export function checkImageRegistry(policy: ContainerPolicy, reference: string, where = ""): string {
  refuseTransport(reference, where);
  if (!policy.allowedRegistries) return reference;
  const parsed = parseImageReference(reference, where);
  if (!registryAllowed(policy, reference)) {
    const allowed = policy.allowedRegistries.join(", ");
    throw new PolicyRefusal(
      `the image "${reference}"${where} comes from ${parsed.registry}, and images from ` +
        `registries other than ${allowed} are refused by policy: start mcp-podman with ` +
        `--allowed-registries including it to allow them`,
    );
  }
  return qualifiedReference(reference);
}

/**
 * A reference to pull from or push to a registry: strictly parsed, within the
 * policy, and not "localhost/...", which names local images: Podman would
 * take it for a registry on the host's loopback (ports 443, then 80).
 * Answers what to send Podman.
 */
export function checkRegistryTransfer(
  policy: ContainerPolicy,
  reference: string,
  where = "",
): string {
  if (parseImageReference(reference, where).registry === "localhost") {
    throw new PolicyRefusal(
      `"${reference}"${where} names a local image (localhost/...), not a registry: name the ` +
        'registry with its port, such as "localhost:5000/team/app"',
    );
  }
  return checkImageRegistry(policy, reference, where);
}

/**
 * A podman_tag target as Podman names it: a short name becomes
 * localhost/NAME (Podman's NormalizeName for tags), never docker.io.
 */
export function tagTarget(target: string): { repo: string; tag: string } {
  const parsed = parseImageReference(target, " (the tag target)");
  if (parsed.digest) {
    throw new PolicyRefusal(
      `"${target}" is a digest reference: a tag target is "repository[:tag]"`,
    );
  }
  const registry = parsed.explicitRegistry ? parsed.registry : "localhost";
  return { repo: `${registry}/${parsed.path}`, tag: parsed.tag ?? "latest" };
}

/**
 * With --allowed-registries, a tag may not launder an image: its new name
 * must be allowed, and the image must already carry an allowed name or have
 * been built by this server (whose bases were checked).
 */
export function checkTagOrigin(
  policy: ContainerPolicy,
  target: string,
  image: { names: readonly string[]; managed: boolean },
): void {
  if (!policy.allowedRegistries) return;
  checkImageRegistry(policy, tagTarget(target).repo, " (the tag target)");
  if (image.managed || image.names.some((name) => registryAllowed(policy, name))) return;
  throw new PolicyRefusal(
    `the image to tag neither comes from ${policy.allowedRegistries.join(", ")} nor was built ` +
      "by this server, and a tag must not give it a name from an allowed registry: start " +
      "mcp-podman with --allowed-registries including its registry to allow it",
  );
}
