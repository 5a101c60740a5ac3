import { BadArgument } from "../../errors.js";
import { isIPv4, isIPv6 } from "./addresses.js";

// `podman run -p` forms, as SpecGenerator `portmappings` entries
// (POST /libpod/containers/create, Podman 4.3 and 5.x).

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
