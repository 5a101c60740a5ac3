import { type BuilderFlag, containerfileRefusal } from "./containerfile-syntax.js";

/*
 * RUN --mount, as Buildah reads it: the value split at every ",", each field
 * "key[=value]", keys matched exactly. Only what cannot reach the host is let through:
 * - type=bind is refused: its source is joined to the context or a stage's
 *   root and the runtime then follows symlinks on the host (CVE-2024-1753,
 *   Podman before 5.0.1), and from= an image mounts that image.
 * - type=cache is kept to a cache directory of the server's naming: Buildah
 *   joins `id` (or the target) to its host cache directory unchecked, so
 *   id=../../etc mounts the host's /etc, and nested targets let one RUN plant
 *   a symlink that the next mount follows. `from` and `source` are refused.
 * - type=tmpfs is harmless; secret and ssh need sources the server never gives.
 */

const TARGET_KEYS = new Set(["target", "dst", "destination"]);
const CACHE_KEYS = new Set([...TARGET_KEYS, "id", "sharing", "mode", "uid", "gid"]);
const TMPFS_KEYS = new Set([...TARGET_KEYS, "size", "tmpfs-size", "mode"]);
const SWITCHES = new Set(["ro", "readonly", "rw", "readwrite"]);
const TMPFS_SWITCHES = new Set([...SWITCHES, "nosuid", "nodev", "noexec"]);
const CACHE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const VALUE_SHAPES: Record<string, RegExp> = {
  sharing: /^(shared|locked|private)$/,
  mode: /^[0-7]{1,4}$/,
  uid: /^\d{1,10}$/,
  gid: /^\d{1,10}$/,
  size: /^\d+[kmg]?$/i,
  "tmpfs-size": /^\d+[kmg]?$/i,
};

interface MountField {
  key: string;
  value: string | undefined;
}

/** Checks one RUN flag; answers it as it will be sent. */
export function checkRunMount(flag: BuilderFlag, line: number): BuilderFlag {
  if (flag.name !== "mount") return flag;
  const fields: MountField[] = flag.value!.split(",").map((field) => {
    const equals = field.indexOf("=");
    return equals < 0
      ? { key: field, value: undefined }
      : { key: field.slice(0, equals), value: field.slice(equals + 1) };
  });
  const types = fields.filter((field) => field.key === "type");
  if (types.length !== 1) {
    throw containerfileRefusal(line, "has a RUN --mount without exactly one type=");
  }
  const type = types[0]!.value;
  if (type !== "cache" && type !== "tmpfs") {
    throw containerfileRefusal(
      line,
      `has RUN --mount=type=${type ?? ""}: only type=cache and type=tmpfs are allowed, since ` +
        "bind mounts can reach host files through symlinks and secret or ssh mounts have no source here",
    );
  }
  const keys = type === "cache" ? CACHE_KEYS : TMPFS_KEYS;
  const switches = type === "cache" ? SWITCHES : TMPFS_SWITCHES;
  const rest = fields.filter((field) => field.key !== "type");
  const seen = new Set<string>();
  let target: string | undefined;
  let hasId = false;
  for (const field of rest) {
    const known = field.value === undefined ? switches.has(field.key) : keys.has(field.key);
    if (!known) {
      throw containerfileRefusal(
        line,
        `has the RUN --mount field "${field.key}", which the server does not allow for type=${type}`,
      );
    }
    const group = TARGET_KEYS.has(field.key) ? "target" : field.key;
    if (seen.has(group))
      throw containerfileRefusal(line, `repeats the RUN --mount field ${field.key}`);
    seen.add(group);
    if (group === "target") target = field.value;
    if (field.key === "id") {
      hasId = true;
      if (!CACHE_ID.test(field.value!)) {
        throw containerfileRefusal(
          line,
          "has a RUN --mount cache id that is not a single name of letters, digits, `_`, `.` or `-`",
        );
      }
    }
    const shape = VALUE_SHAPES[field.key];
    if (shape && !shape.test(field.value!)) {
      throw containerfileRefusal(line, `has a malformed RUN --mount ${field.key}`);
    }
  }
  if (target === undefined || !target.startsWith("/")) {
    throw containerfileRefusal(line, "has a RUN --mount without an absolute target");
  }
  const sent: MountField[] = [{ key: "type", value: type }, ...rest];
  if (type === "cache" && !hasId) sent.push({ key: "id", value: cacheIdFor(target) });
  return {
    name: "mount",
    value: sent
      .map((field) => (field.value === undefined ? field.key : `${field.key}=${field.value}`))
      .join(","),
  };
}

/** One path component, so the cache directory sits directly in Buildah's cache root. */
function cacheIdFor(target: string): string {
  const name = target.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^[_.-]+/, "");
  return `target_${name || "root"}`;
}
