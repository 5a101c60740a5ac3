import type { ContainerPolicy } from "./policy.js";
import { PolicyRefusal } from "./refusal.js";

/**
 * The registry host of an image reference: the first path component when it
 * looks like a host (has a dot or a port, or is "localhost"), else docker.io,
 * where Podman's default short-name resolution would look first.
 */
export function imageRegistry(reference: string): string {
  const slash = reference.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = reference.slice(0, slash);
  if (first === "localhost" || first.includes(".") || first.includes(":")) return first;
  return "docker.io";
}

/** The reference with its registry spelled out, for matching "registry/namespace" entries. */
function qualified(reference: string): string {
  const registry = imageRegistry(reference);
  if (reference.startsWith(`${registry}/`)) return reference;
  // Docker Hub's official images live under library/.
  return reference.includes("/") ? `${registry}/${reference}` : `${registry}/library/${reference}`;
}

/** An entry allows its registry ("quay.io") or a namespace below it ("docker.io/library"). */
export function registryAllowed(policy: ContainerPolicy, reference: string): boolean {
  if (!policy.allowedRegistries) return true;
  const full = qualified(reference.toLowerCase());
  return policy.allowedRegistries.some((entry) => {
    const prefix = entry.toLowerCase().replace(/\/+$/, "");
    return full === prefix || full.startsWith(`${prefix}/`);
  });
}

export function checkImageRegistry(policy: ContainerPolicy, reference: string, where = ""): void {
  if (registryAllowed(policy, reference)) return;
  const allowed = policy.allowedRegistries!.join(", ");
  throw new PolicyRefusal(
    `the image "${reference}"${where} comes from ${imageRegistry(reference)}, and images from ` +
      `registries other than ${allowed} are refused by policy: start mcp-podman with ` +
      `--allowed-registries including it to allow them`,
  );
}
