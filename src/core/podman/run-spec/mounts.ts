import { BadArgument } from "../../errors.js";

// `podman run -v` forms, as SpecGenerator `volumes` and `mounts` entries.

export type VolumeSpec =
  /** For SpecGenerator `volumes: [{ Name, Dest, Options }]`; an empty name is an anonymous volume. */
  | { kind: "named"; name: string; dest: string; options: string[] }
  /** For SpecGenerator `mounts: [{ Type: "bind", Source, Destination, Options }]`. */
  | { kind: "bind"; source: string; destination: string; options: string[] };

// Options in one group exclude each other.
const VOLUME_OPTION_GROUPS: readonly (readonly string[])[] = [
  ["ro", "rw"],
  ["z", "Z"],
  ["U"],
  ["copy", "nocopy"],
  ["bind", "rbind"],
  ["shared", "rshared", "private", "rprivate", "slave", "rslave", "unbindable", "runbindable"],
  ["suid", "nosuid"],
  ["dev", "nodev"],
  ["exec", "noexec"],
];
const NAMED_ONLY_OPTIONS = new Set(["copy", "nocopy"]);
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const VOLUME_FORMS =
  'expected "volumeName:/container/path[:options]", "/host/path:/container/path[:options]" ' +
  'or "/container/path" (anonymous volume), options being a comma list such as "ro,z"';

export function parseVolume(volume: string): VolumeSpec {
  const fail = (reason: string): never => {
    throw new BadArgument(`Invalid volume "${volume}": ${reason}; ${VOLUME_FORMS}`);
  };
  const parts = volume.trim().split(":");
  let source = "";
  let dest: string;
  let optionsText: string | undefined;
  if (parts.length === 1) {
    dest = parts[0]!;
  } else if (parts.length === 2 && parts[0]!.startsWith("/") && !parts[1]!.startsWith("/")) {
    [dest, optionsText] = parts as [string, string];
  } else if (parts.length === 2) {
    [source, dest] = parts as [string, string];
  } else if (parts.length === 3) {
    [source, dest, optionsText] = parts as [string, string, string];
  } else {
    return fail("too many ':'-separated parts");
  }

  if (!dest.startsWith("/")) fail(`container path "${dest}" must be absolute`);
  const isBind = source.startsWith("/");
  if (source !== "" && !isBind && !VOLUME_NAME.test(source)) {
    if (/^[.~]|\//.test(source)) fail(`host path "${source}" must be absolute`);
    fail(`"${source}" is not a valid volume name (letters, digits, "_", ".", "-")`);
  }
  const options = parseVolumeOptions(optionsText, isBind, fail);
  return isBind
    ? { kind: "bind", source, destination: dest, options }
    : { kind: "named", name: source, dest, options };
}

function parseVolumeOptions(
  text: string | undefined,
  isBind: boolean,
  fail: (reason: string) => never,
): string[] {
  if (text === undefined) return [];
  const options = text.split(",");
  const seenInGroup = new Map<readonly string[], string>();
  for (const option of options) {
    const group = VOLUME_OPTION_GROUPS.find((candidates) => candidates.includes(option));
    if (group === undefined) {
      const known = VOLUME_OPTION_GROUPS.flat().join(", ");
      fail(option === "" ? "empty option" : `unknown option "${option}" (known: ${known})`);
      continue;
    }
    if (isBind && NAMED_ONLY_OPTIONS.has(option)) {
      fail(`option "${option}" applies only to named volumes`);
    }
    const earlier = seenInGroup.get(group);
    if (earlier !== undefined) {
      fail(
        earlier === option
          ? `option "${option}" given twice`
          : `options "${earlier}" and "${option}" conflict`,
      );
    }
    seenInGroup.set(group, option);
  }
  return options;
}

export interface SpecVolumeFragment {
  volumes: { Name: string; Dest: string; Options: string[] }[];
  mounts: { Type: "bind"; Source: string; Destination: string; Options: string[] }[];
}

export function volumesToSpec(specs: readonly VolumeSpec[]): SpecVolumeFragment {
  const fragment: SpecVolumeFragment = { volumes: [], mounts: [] };
  for (const spec of specs) {
    if (spec.kind === "named") {
      fragment.volumes.push({ Name: spec.name, Dest: spec.dest, Options: spec.options });
    } else {
      fragment.mounts.push({
        Type: "bind",
        Source: spec.source,
        Destination: spec.destination,
        Options: spec.options,
      });
    }
  }
  return fragment;
}
