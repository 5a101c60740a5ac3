import { BadArgument } from "../../errors.js";

/** Inspect's NetworkSettings.Ports: "80/tcp" → where the host publishes it. */
export type InspectPorts = Record<string, { HostIp: string; HostPort: string }[] | null>;

export interface PublishedPort {
  /** The address to probe on this host. */
  host: string;
  hostPort: number;
  containerPort: number;
  /** "127.0.0.1:8080->80/tcp", for answers. */
  label: string;
}

const MAX_PATH_LENGTH = 2048;

/**
 * The published TCP port `port` names: a container port, else a host port
 * the container publishes. Without `port`, the container's only published TCP
 * port. Only ports the container itself publishes can be probed, on the
 * address Podman bound them to (loopback when bound to every address).
 */
export function publishedPort(ports: InspectPorts | undefined, port?: number): PublishedPort {
  const all = publishedTcpPorts(ports);
  if (all.length === 0) {
    throw new BadArgument(
      "the container publishes no TCP port: only published ports can be probed (podman_run `ports`)",
    );
  }
  const known = () => all.map((p) => p.label).join(", ");
  if (port === undefined) {
    const distinct = new Set(all.map((p) => p.containerPort));
    if (distinct.size > 1) {
      throw new BadArgument(
        `the container publishes several ports (${known()}): say which with port`,
      );
    }
    return all[0]!;
  }
  const chosen = all.find((p) => p.containerPort === port) ?? all.find((p) => p.hostPort === port);
  if (!chosen) {
    throw new BadArgument(`port ${port} is not one the container publishes (${known()})`);
  }
  return chosen;
}

function publishedTcpPorts(ports: InspectPorts | undefined): PublishedPort[] {
  const found: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [number, protocol = "tcp"] = key.split("/");
    if (protocol !== "tcp") continue;
    const containerPort = Number(number);
    for (const binding of bindings ?? []) {
      const hostPort = Number(binding.HostPort);
      if (!Number.isInteger(hostPort) || hostPort <= 0 || hostPort > 65535) continue;
      const host = probeAddress(binding.HostIp);
      found.push({
        host,
        hostPort,
        containerPort,
        label: `${host.includes(":") ? `[${host}]` : host}:${hostPort}->${containerPort}/tcp`,
      });
    }
  }
  return found;
}

/** A port bound to every address is reached on loopback; one bound to an address, there. */
function probeAddress(hostIp: string): string {
  if (hostIp === "" || hostIp === "0.0.0.0") return "127.0.0.1";
  if (hostIp === "::") return "::1";
  return hostIp;
}

/**
 * The URL of `path` on a published port. `path` is a path only: whatever it
 * holds, the URL stays on that address and port.
 */
export function probeUrl(port: PublishedPort, path = "/"): string {
  if (!path.startsWith("/") || path.startsWith("//")) {
    throw new BadArgument(`path must be an absolute path such as "/health", got "${path}"`);
  }
  if (path.length > MAX_PATH_LENGTH) {
    throw new BadArgument(`path is longer than ${MAX_PATH_LENGTH} characters`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\u0000-\u0020\u007f\\#]/.test(path)) {
    throw new BadArgument("path may hold no spaces, control characters, backslashes or fragment");
  }
  const host = port.host.includes(":") ? `[${port.host}]` : port.host;
  const origin = `http://${host}:${port.hostPort}`;
  const url = new URL(path, origin);
  if (url.origin !== origin) throw new BadArgument(`path "${path}" leaves ${origin}`);
  return url.href;
}
