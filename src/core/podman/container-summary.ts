import type { ListedContainer, PortMapping } from "./containers.js";

/** "8080->80/tcp", "127.0.0.1:8080->80/udp", "8000-8002->9000-9002/tcp" */
export function formatPort(port: PortMapping): string {
  const span = (start: number) =>
    port.range && port.range > 1 ? `${start}-${start + port.range - 1}` : `${start}`;
  const host = port.host_ip && port.host_ip !== "0.0.0.0" ? `${port.host_ip}:` : "";
  return `${host}${span(port.host_port)}->${span(port.container_port)}/${port.protocol}`;
}

/** "127.0.0.1:8080->80/tcp", from inspect port bindings (a container's, or a pod's infra's). */
export function publishedPorts(
  ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null | undefined,
): string[] {
  const published: string[] = [];
  for (const [containerPort, bindings] of Object.entries(ports ?? {})) {
    for (const binding of bindings ?? []) {
      const host = binding.HostIp && binding.HostIp !== "0.0.0.0" ? `${binding.HostIp}:` : "";
      published.push(`${host}${binding.HostPort}->${containerPort}`);
    }
  }
  return published;
}

/** Podman 4.3 puts only the health ("healthy", "starting") in the list's Status field. */
const HEALTH_ONLY = /^(healthy|unhealthy|starting)$/;

/** "Up 5 minutes (healthy)", "Exited (3) 2 hours ago", "Created": what `podman ps` shows. */
export function statusText(container: ListedContainer, now = Date.now()): string {
  const health = container.Status && HEALTH_ONLY.test(container.Status) ? container.Status : "";
  if (container.Status && !health) return container.Status;
  const state = container.State;
  if (state === "running") {
    const up = `Up ${humanDuration(now - container.StartedAt * 1000)}`;
    return health ? `${up} (${health})` : up;
  }
  if (state === "exited" || state === "stopped") {
    const ago =
      container.ExitedAt > 0 ? ` ${humanDuration(now - container.ExitedAt * 1000)} ago` : "";
    return `Exited (${container.ExitCode})${ago}`;
  }
  return state.charAt(0).toUpperCase() + state.slice(1);
}

export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  for (const [size, name] of units) {
    const count = Math.floor(seconds / size);
    if (count >= 1) return `${count} ${name}${count === 1 ? "" : "s"}`;
  }
  return "0 seconds";
}
