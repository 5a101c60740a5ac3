import { BadArgument } from "../errors.js";

// Parsers for `podman run`-style arguments, producing fragments of the libpod
// SpecGenerator (POST /libpod/containers/create, Podman 4.3 and 5.x).

export type PortProtocol = "tcp" | "udp" | "sctp";

/** Field names are those of SpecGenerator `portmappings` entries. */
export interface PortMapping {
  host_ip?: string;
  /** Omitted: Podman picks a free host port. */
  host_port?: number;
  container_port: number;
  protocol: PortProtocol;
  /** Number of consecutive ports mapped, when more than one. */
  range?: number;
}

export interface PortMappingInput {
  host_ip?: string;
  host_port?: number;
  container_port: number;
  protocol?: string;
  range?: number;
}

const PORT_FORMS =
  'expected "[[hostIp:][hostPort]:]containerPort[/tcp|udp|sctp]", for example "80", "8080:80", ' +
  '"127.0.0.1:8080:80", "127.0.0.1::80", "8080:80/udp", "[::1]:8080:80" or "8000-8002:9000-9002"';

const PROTOCOLS: readonly PortProtocol[] = ["tcp", "udp", "sctp"];
const MAX_PORT = 65535;

export function parsePortMapping(port: string | number | PortMappingInput): PortMapping {
  if (typeof port === "number") return parsePortMapping(String(port));
  if (typeof port === "object") return validatePortMappingInput(port);

  const input = port.trim();
  const fail = (reason?: string): never => {
    throw new BadArgument(
      `Invalid port mapping "${port}": ${reason ? `${reason}; ` : ""}${PORT_FORMS}`,
    );
  };

  let rest = input;
  let protocol: PortProtocol = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash !== -1) {
    const name = rest.slice(slash + 1).toLowerCase();
    if (!isProtocol(name)) fail(`unknown protocol "${rest.slice(slash + 1)}"`);
    protocol = name as PortProtocol;
    rest = rest.slice(0, slash);
  }

  let hostIp: string | undefined;
  let hostPortText: string | undefined;
  let containerPortText: string;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close === -1 || rest[close + 1] !== ":") fail();
    hostIp = rest.slice(1, close);
    if (!isIPv6(hostIp)) fail(`"${hostIp}" is not an IPv6 address`);
    const ports = rest.slice(close + 2).split(":");
    if (ports.length !== 2) fail();
    [hostPortText, containerPortText] = ports as [string, string];
  } else {
    const parts = rest.split(":");
    if (parts.length === 1) {
      containerPortText = parts[0]!;
    } else if (parts.length === 2) {
      [hostPortText, containerPortText] = parts as [string, string];
      if (hostPortText === "") fail("host port is empty");
    } else if (parts.length === 3) {
      [hostIp, hostPortText, containerPortText] = parts as [string, string, string];
      if (!isIPv4(hostIp)) fail(`"${hostIp}" is not an IPv4 address`);
    } else {
      return fail("IPv6 host addresses must be in brackets");
    }
  }

  const container = parsePortRange(containerPortText, "container port", fail);
  const mapping: PortMapping = { container_port: container.start, protocol };
  if (hostIp !== undefined) mapping.host_ip = hostIp;
  if (hostPortText !== undefined && hostPortText !== "") {
    const host = parsePortRange(hostPortText, "host port", fail);
    if (host.length !== container.length) {
      fail(`host range has ${host.length} ports but container range has ${container.length}`);
    }
    mapping.host_port = host.start;
  }
  if (container.length > 1) mapping.range = container.length;
  return mapping;
}

function isProtocol(name: string): name is PortProtocol {
  return (PROTOCOLS as readonly string[]).includes(name);
}

function parsePortRange(
  text: string,
  what: string,
  fail: (reason?: string) => never,
): { start: number; length: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) return fail(`${what} "${text}" is not a number or range`);
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  for (const value of [start, end]) {
    if (value < 1 || value > MAX_PORT) fail(`${what} ${value} is outside 1-${MAX_PORT}`);
  }
  if (end < start) fail(`${what} range "${text}" ends before it starts`);
  return { start, length: end - start + 1 };
}

function validatePortMappingInput(input: PortMappingInput): PortMapping {
  const describe = JSON.stringify(input);
  const fail = (reason: string): never => {
    throw new BadArgument(`Invalid port mapping ${describe}: ${reason}`);
  };
  const range = input.range ?? 1;
  if (!Number.isInteger(range) || range < 1) fail("range must be a positive integer");
  const checkPort = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1 || value + range - 1 > MAX_PORT) {
      fail(`${name} must be an integer in 1-${MAX_PORT} (including the range)`);
    }
  };
  checkPort("container_port", input.container_port);
  const protocol = (input.protocol ?? "tcp").toLowerCase();
  if (!isProtocol(protocol)) return fail(`protocol must be tcp, udp or sctp`);

  const mapping: PortMapping = { container_port: input.container_port, protocol };
  // libpod reads host_port 0 as "pick a free port", the same as leaving it out.
  if (input.host_port !== undefined && input.host_port !== 0) {
    checkPort("host_port", input.host_port);
    mapping.host_port = input.host_port;
  }
  if (input.host_ip !== undefined && input.host_ip !== "") {
    const ip = input.host_ip.replace(/^\[(.*)\]$/, "$1");
    if (!isIPv4(ip) && !isIPv6(ip)) fail(`host_ip "${input.host_ip}" is not an IP address`);
    mapping.host_ip = ip;
  }
  if (range > 1) mapping.range = range;
  return mapping;
}

export function isIPv4(text: string): boolean {
  const octets = text.split(".");
  return (
    octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}

export function isIPv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  let width = 0;
  for (const [index, group] of groups.entries()) {
    if (index === groups.length - 1 && group.includes(".")) {
      if (!isIPv4(group)) return false;
      width += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width < 8 : width === 8;
}

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

const MEMORY_MULTIPLIERS: Record<string, number> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Like podman's RAMInBytes: binary multiples, "256m", "256mb", "256MiB", "1.5g", "1024". */
export function parseMemory(memory: string | number): number {
  const fail = (reason: string): never => {
    throw new BadArgument(
      `Invalid memory size "${memory}": ${reason}; expected a number of bytes or a size ` +
        'with unit b, k, m, g (binary, 1k = 1024), such as "512k", "256m", "1.5g"',
    );
  };
  if (typeof memory === "number") {
    if (!Number.isSafeInteger(memory) || memory < 1) fail("must be a positive whole number");
    return memory;
  }
  const match = /^(\d+(?:\.\d+)?) ?(?:(b)|([kmgtp])(?:i?b)?)?$/i.exec(memory.trim());
  if (!match) return fail("not a size");
  const unit = (match[2] ?? match[3] ?? "b").toLowerCase();
  const bytes = Math.trunc(Number(match[1]) * MEMORY_MULTIPLIERS[unit]!);
  if (bytes < 1) fail("must be at least 1 byte");
  if (!Number.isSafeInteger(bytes)) fail("too large");
  return bytes;
}

export const CPU_PERIOD = 100_000;
// The kernel refuses CFS quotas below 1ms.
const MIN_CPU_QUOTA = 1_000;

/** SpecGenerator `resource_limits.cpu: { quota, period }` for `--cpus`. */
export function cpusToQuota(cpus: number): { quota: number; period: typeof CPU_PERIOD } {
  if (!Number.isFinite(cpus) || cpus <= 0) {
    throw new BadArgument(
      `Invalid cpus ${cpus}: must be a number greater than 0, such as 0.5 or 2`,
    );
  }
  const quota = Math.round(cpus * CPU_PERIOD);
  if (quota < MIN_CPU_QUOTA) {
    throw new BadArgument(`Invalid cpus ${cpus}: the smallest CPU limit is 0.01`);
  }
  return { quota, period: CPU_PERIOD };
}

const NANOSECONDS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const DURATION_PART = /^(\d+)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Go duration syntax ("1m30s", "500ms", "1.5h", "0") to nanoseconds, as libpod's healthconfig expects. */
export function parseDuration(duration: string): number {
  const fail = (reason: string): never => {
    throw new BadArgument(
      `Invalid duration "${duration}": ${reason}; expected a duration such as ` +
        '"30s", "1m30s", "500ms" or "2h" (units h, m, s, ms, us, ns)',
    );
  };
  let rest = duration.trim();
  if (rest === "0") return 0;
  if (rest.startsWith("-")) fail("must not be negative");
  if (rest === "") fail("empty");
  let total = 0;
  while (rest !== "") {
    const match = DURATION_PART.exec(rest);
    if (!match) {
      return fail(/^[\d.]+$/.test(rest) ? `missing unit after "${rest}"` : `cannot read "${rest}"`);
    }
    const unit = NANOSECONDS_PER_UNIT[match[3]!]!;
    const fraction = match[2] ? Number(`0.${match[2]}`) : 0;
    total += Number(match[1]) * unit + Math.round(fraction * unit);
    rest = rest.slice(match[0].length);
  }
  if (!Number.isSafeInteger(total)) fail("too large");
  return total;
}

const HEALTHCHECK_KINDS = new Set(["CMD", "CMD-SHELL", "NONE"]);

/**
 * SpecGenerator `healthconfig.Test`. A bare command becomes ["CMD", ...];
 * a lone string containing whitespace runs through the shell.
 */
export function normalizeHealthcheckTest(test: string | readonly string[]): string[] {
  if (typeof test === "string") test = [test];
  const [first, ...rest] = test;
  if (first === undefined || first.trim() === "") {
    throw new BadArgument("Invalid healthcheck test: the command is empty");
  }
  if (HEALTHCHECK_KINDS.has(first)) {
    if (first !== "NONE" && rest.length === 0) {
      throw new BadArgument(`Invalid healthcheck test: "${first}" must be followed by a command`);
    }
    return [...test];
  }
  if (rest.length === 0 && /\s/.test(first.trim())) return ["CMD-SHELL", first];
  return ["CMD", ...test];
}

/** SpecGenerator `env` is a map, exec `Env` a list: this gives the "KEY=value" list. */
export function envToList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (key === "" || key.includes("=") || key.includes("\0")) {
      throw new BadArgument(
        `Invalid environment variable name "${key}": it must be non-empty and contain no "="`,
      );
    }
    if (value.includes("\0")) {
      throw new BadArgument(`Invalid value for environment variable "${key}": contains a NUL byte`);
    }
    return `${key}=${value}`;
  });
}
