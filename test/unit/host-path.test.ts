import { describe, expect, it } from "vitest";
import { type HostPathProbe, resolveHostPath } from "../../src/core/policy/host-path.js";
import type { ContainerPolicy } from "../../src/core/policy/policy.js";
import { bindAllowed } from "../../src/core/policy/spec.js";

/** A host of directories and symlinks: link -> target. */
function host(dirs: string[], links: Record<string, string>): HostPathProbe {
  const realPath = (path: string): string | undefined => {
    const parts = path.split("/").filter(Boolean);
    let current = "";
    for (const [index, part] of parts.entries()) {
      const next = `${current}/${part}`;
      const target = links[next];
      if (target !== undefined) {
        const rest = parts.slice(index + 1).join("/");
        return realPath(rest ? `${target}/${rest}` : target);
      }
      if (!dirs.includes(next)) return undefined;
      current = next;
    }
    return current || "/";
  };
  return { realPath, isSymlink: (path) => path in links };
}

const probe = host(
  ["/srv", "/srv/data", "/srv/data/app", "/etc", "/etc/ssh", "/real", "/real/data"],
  {
    "/srv/data/etc-link": "/etc",
    "/srv/data/dangling": "/etc/not-yet",
    "/srv/alias": "/real/data",
  },
);
const resolve = (path: string) => resolveHostPath(path, probe);

describe("resolveHostPath", () => {
  it("resolves symlinks on the way and keeps the missing rest as written", () => {
    expect(resolve("/srv/data/app")).toBe("/srv/data/app");
    expect(resolve("/srv/data/etc-link/ssh")).toBe("/etc/ssh");
    expect(resolve("/srv/data/etc-link/new/dir")).toBe("/etc/new/dir");
    expect(resolve("/srv/data/missing/dir")).toBe("/srv/data/missing/dir");
  });

  it("resolves a dangling symlink to nowhere an allowed directory holds", () => {
    expect(resolve("/srv/data/dangling/x")).not.toMatch(/^\/srv\//);
  });
});

describe("bindAllowed with symlinks resolved", () => {
  const policy = (allowBind: string[]) =>
    ({ allowBind, resolveHostPath: resolve }) as unknown as ContainerPolicy;

  it("allows a path that stays inside, refuses a link that leads out", () => {
    expect(bindAllowed(policy(["/srv/data"]), "/srv/data/app")).toBe(true);
    expect(bindAllowed(policy(["/srv/data"]), "/srv/data/etc-link/ssh")).toBe(false);
    expect(bindAllowed(policy(["/srv/data"]), "/srv/data/etc-link")).toBe(false);
    expect(bindAllowed(policy(["/srv/data"]), "/srv/data/dangling")).toBe(false);
  });

  it("accepts an allowed directory that is itself reached through a link", () => {
    expect(bindAllowed(policy(["/srv/alias"]), "/srv/alias")).toBe(true);
    expect(bindAllowed(policy(["/srv/alias"]), "/real/data")).toBe(false);
  });
});
