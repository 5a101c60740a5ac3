import type { HostEntry, HostFiles } from "../contracts.js";
import { PolicyRefusal } from "./refusal.js";

const FLAG = "--allow-read DIR";

/** Collapses "." and repeated slashes; undefined for a relative path or one with "..". */
function plainAbsolute(path: string): string | undefined {
  if (!path.startsWith("/")) return undefined;
  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) return undefined;
  return `/${segments.join("/")}`;
}

const isAtOrBelow = (path: string, dir: string) =>
  path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);

function outside(path: string, allowed: readonly string[]): PolicyRefusal {
  const why = allowed.length
    ? `it is outside the directories the server may read (${allowed.join(", ")})`
    : "this server reads no host files";
  return new PolicyRefusal(
    `reading the host path "${path}" is refused by policy: ${why}; ` +
      `start mcp-podman with ${FLAG} (a directory holding it) to allow it`,
  );
}

function notPlain(path: string): PolicyRefusal {
  return new PolicyRefusal(
    `reading the host path "${path}" is refused by policy: give an absolute path without ".." ` +
      `inside a directory allowed by ${FLAG}`,
  );
}

/**
 * The runtime's HostFiles, reading only at or below the `allowRead`
 * directories. Every path is resolved with its symlinks first and the
 * resolved path is what is checked and then read, so a link inside an
 * allowed directory cannot lead out of it. A path that is outside even
 * before resolving is refused without touching the file system, so a
 * refusal tells nothing about what exists there.
 */
export function allowedHostFiles(files: HostFiles, allowRead: readonly string[]): HostFiles {
  const allowed = allowRead.map((dir) => plainAbsolute(dir) ?? dir);

  async function resolvedAllowed(): Promise<string[]> {
    const resolved: string[] = [];
    for (const dir of allowed) {
      try {
        resolved.push(await files.realPath(dir));
      } catch {
        // An allowed directory that does not exist holds nothing to read.
      }
    }
    return resolved;
  }

  async function resolve(path: string): Promise<string> {
    const plain = typeof path === "string" ? plainAbsolute(path) : undefined;
    if (plain === undefined) throw notPlain(String(path));
    const roots = await resolvedAllowed();
    const lexicallyInside = [...allowed, ...roots].some((dir) => isAtOrBelow(plain, dir));
    if (!lexicallyInside) throw outside(plain, allowed);
    const real = await files.realPath(plain);
    if (!roots.some((dir) => isAtOrBelow(real, dir))) throw outside(plain, allowed);
    return real;
  }

  return {
    realPath: resolve,
    async readFile(path) {
      return files.readFile(await resolve(path));
    },
    async readTextFile(path) {
      return files.readTextFile(await resolve(path));
    },
    async *walk(dir): AsyncGenerator<HostEntry> {
      yield* files.walk(await resolve(dir));
    },
  };
}
