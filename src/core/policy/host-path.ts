/** What the runtime can tell synchronously about a host path. */
export interface HostPathProbe {
  /** The path with every symlink resolved, or undefined when it does not exist. */
  realPath(path: string): string | undefined;
  /** Whether the path itself is a symlink (a dangling one too). */
  isSymlink(path: string): boolean;
}

/** Never at or below an allowed directory (but "/"). */
const UNRESOLVABLE = "\0dangling-symlink";

/**
 * Where a host path leads: its deepest existing part with symlinks resolved,
 * the missing rest appended as written (Podman may create it, as a kube
 * hostPath of type DirectoryOrCreate does). A dangling symlink on the way
 * could lead anywhere once its target appears, so it resolves to nowhere allowed.
 */
export function resolveHostPath(path: string, probe: HostPathProbe): string {
  const missing: string[] = [];
  let existing = path;
  for (;;) {
    const real = probe.realPath(existing);
    if (real !== undefined) {
      return missing.length ? `${real.replace(/\/$/, "")}/${missing.reverse().join("/")}` : real;
    }
    if (probe.isSymlink(existing)) return UNRESOLVABLE;
    const slash = existing.lastIndexOf("/");
    if (slash <= 0) return path;
    missing.push(existing.slice(slash + 1));
    existing = existing.slice(0, slash);
  }
}

/**
 * Drops the slashes that end a path. The lookbehind lets only the start of
 * the final run begin a match: `/\/+$/` alone retries at every slash of a
 * long run and takes quadratic time.
 */
export const withoutTrailingSlashes = (path: string) => path.replace(/(?<!\/)\/+$/, "");
