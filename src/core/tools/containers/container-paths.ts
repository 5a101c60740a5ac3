import { BadArgument } from "../../errors.js";

/**
 * The segments of an absolute path inside a container, "." and repeated
 * slashes collapsed. ".." is refused rather than resolved: Podman would
 * resolve it inside the container's root, but a caller who writes it means
 * somewhere else than what it names.
 */
export function containerPathSegments(path: string, what: string): string[] {
  if (!path.startsWith("/")) {
    throw new BadArgument(`${what} "${path}" must be an absolute path inside the container`);
  }
  if (path.includes("\0")) throw new BadArgument(`${what} must not contain NUL characters`);
  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) {
    throw new BadArgument(`${what} "${path}" must not contain ".." segments`);
  }
  return segments;
}

/** The normal form of an absolute container path: "/a/b". */
export function containerPath(path: string, what: string): string {
  return `/${containerPathSegments(path, what).join("/")}`;
}

/** Octal permission bits written as text: "0755", "755", "4755". */
export function parseMode(text: string, what: string): number {
  if (!/^0?[0-7]{3,4}$/.test(text)) {
    throw new BadArgument(
      `${what} "${text}" must be octal permission bits such as "0644" or "0755"`,
    );
  }
  return parseInt(text, 8) & 0o7777;
}

export const formatMode = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
