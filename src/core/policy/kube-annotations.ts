import type { ContainerPolicy } from "./policy.js";
import { PolicyRefusal } from "./refusal.js";
import { RULE } from "./spec.js";

/**
 * Annotations are where Podman, the OCI runtimes and Kubernetes keep the
 * switches that YAML fields lack (seccomp, AppArmor, SELinux, user namespace,
 * privileged, volumes of other containers, runtime hooks). Keys are compared
 * case-insensitively: Podman's own lookups are exact today, but nothing
 * promises that a runtime's are.
 */
export function checkAnnotations(
  policy: ContainerPolicy,
  annotations: Record<string, unknown> | undefined,
  path: string,
): void {
  for (const [key, raw] of Object.entries(annotations ?? {})) {
    const value = String(raw);
    try {
      checkAnnotation(policy, key.toLowerCase(), value.toLowerCase());
    } catch (error) {
      if (error instanceof PolicyRefusal)
        throw new PolicyRefusal(`${path}["${key}"]: ${error.message}`);
      throw error;
    }
  }
}

/** Informational keys `podman kube generate` writes, harmless whatever their value. */
const INFORMATIONAL = [
  "io.kubernetes.cri-o.containertype",
  "io.kubernetes.cri-o.sandboxid",
  "io.kubernetes.cri-o.tty",
  "io.podman.annotations.autoremove",
  "io.podman.annotations.init",
  "io.podman.annotations.publish-all",
];

/** Prefixes of keys that runtimes or Podman read as settings. */
const RUNTIME_NAMESPACES = [
  "io.podman.",
  "io.kubernetes.cri-o.",
  "io.containers.",
  "run.oci.",
  "org.criu.",
  "org.systemd.",
  "org.opencontainers.runtime.",
  "bind-mount-options",
];

const SAFE_PROFILES = new Set(["runtime/default", "docker/default"]);
/** Compared lowercased: "z" stands for both z and Z (SELinux relabelling of the allowed directory). */
const SAFE_BIND_OPTIONS = new Set(["ro", "rw", "z", "nosuid", "nodev", "noexec"]);

const notJudged = () =>
  new PolicyRefusal(
    "mcp-podman does not know what this annotation makes Podman or the runtime do, and " +
      "refuses what it cannot judge: remove it",
  );

function checkAnnotation(policy: ContainerPolicy, key: string, value: string): void {
  const base = key.split("/")[0]!;
  if (INFORMATIONAL.includes(base)) return;
  if (base === "io.podman.annotations.privileged") {
    if (value !== "false" && !policy.allowPrivileged) throw RULE.privileged();
    return;
  }
  if (
    base === "io.podman.annotations.seccomp" ||
    base === "io.podman.annotations.apparmor" ||
    base === "io.podman.annotations.label"
  ) {
    if (!policy.allowUnconfined) throw RULE.unconfined(`annotation ${base}`);
    return;
  }
  if (base === "io.podman.annotations.userns") {
    if (!policy.allowHostNamespaces) throw RULE.hostNamespace("user (or another user namespace)");
    return;
  }
  if (base === "io.podman.annotations.volumes-from")
    throw new PolicyRefusal(
      "mounting the volumes of another container is refused by policy: mount a volume by name instead",
    );
  if (
    base === "seccomp.security.alpha.kubernetes.io" ||
    base === "container.seccomp.security.alpha.kubernetes.io" ||
    base === "container.apparmor.security.beta.kubernetes.io"
  ) {
    if (!SAFE_PROFILES.has(value) && !policy.allowUnconfined)
      throw RULE.unconfined(`annotation ${base} other than runtime/default`);
    return;
  }
  if (key.startsWith("bind-mount-options")) {
    const options = value.split(/[;,]/).filter(Boolean);
    if (options.every((option) => SAFE_BIND_OPTIONS.has(option))) return;
    throw new PolicyRefusal(
      `bind mount options other than ${[...SAFE_BIND_OPTIONS].join(", ")} are refused by policy: remove them`,
    );
  }
  if (RUNTIME_NAMESPACES.some((prefix) => key.startsWith(prefix))) throw notJudged();
}

/**
 * PersistentVolumeClaim annotations Podman reads as volume options: the
 * driver must be the local one, and the import of a host file is refused.
 */
export function volumeOptionsOfClaim(
  annotations: Record<string, unknown> | undefined,
): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [key, raw] of Object.entries(annotations ?? {})) {
    const lower = key.toLowerCase();
    if (!lower.startsWith("volume.podman.io/")) continue;
    const option = lower.slice("volume.podman.io/".length);
    const value = String(raw);
    const refuse = (what: string) => new PolicyRefusal(`metadata.annotations["${key}"]: ${what}`);
    if (option === "driver") {
      if (value !== "local")
        throw refuse("volume drivers other than local are refused by policy: remove it");
    } else if (option === "device" || option === "type") {
      options[option] = value;
    } else if (option === "mount-options") {
      options.o = value;
    } else if (option !== "uid" && option !== "gid") {
      throw refuse(
        "mcp-podman does not know what this volume option makes Podman do, and refuses what it cannot judge: remove it",
      );
    }
  }
  return options;
}
