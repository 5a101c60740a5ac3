/** POSIX path helpers for host paths, without node:path (the core runs on any runtime). */

export const isAbsolute = (path: string) => path.startsWith("/");

/** Collapses ".", ".." and repeated slashes of an absolute path. */
export function normalizeAbsolute(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

export function resolvePath(base: string, path: string): string {
  return normalizeAbsolute(isAbsolute(path) ? path : `${base}/${path}`);
}

export function dirname(path: string): string {
  const normalized = normalizeAbsolute(path);
  const slash = normalized.lastIndexOf("/");
  return slash <= 0 ? "/" : normalized.slice(0, slash);
}

export function basename(path: string): string {
  return normalizeAbsolute(path).split("/").pop() ?? "";
}

/** True when `path` (relative) stays inside its base directory. */
export function staysInside(path: string): boolean {
  let depth = 0;
  for (const segment of path.split("/")) {
    if (segment === "..") depth--;
    else if (segment !== "" && segment !== ".") depth++;
    if (depth < 0) return false;
  }
  return !isAbsolute(path);
}
