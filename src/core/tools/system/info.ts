import * as z from "zod";
import { getInfo, runtimeVersion } from "../../podman/system.js";
import { defineTool } from "../tool.js";
import { READ_ONLY } from "../annotations.js";
import { formatBytes } from "./bytes.js";

export const podmanInfo = defineTool({
  name: "podman_info",
  family: "system",
  title: "Podman and host info",
  description:
    "Podman's version and the host: OS, kernel, cgroups, rootless, CPUs, memory, storage.",
  input: z.object({}),
  output: z.object({
    version: z.string().describe("Podman version"),
    api_version: z.string().describe("libpod API version"),
    host: z.object({
      hostname: z.string(),
      os: z.string(),
      arch: z.string(),
      kernel: z.string(),
      distribution: z.string().optional().describe('e.g. "debian 12"'),
      cgroup_version: z.string(),
      cgroup_manager: z.string(),
      rootless: z.boolean(),
      cpus: z.number().int(),
      memory_total: z.number().describe("Bytes"),
      memory_free: z.number().describe("Bytes"),
    }),
    runtime: z.object({ name: z.string(), version: z.string() }),
    storage: z.object({
      driver: z.string(),
      graph_root: z.string(),
      run_root: z.string().optional(),
      images: z.number().int(),
      containers: z.object({
        total: z.number().int(),
        running: z.number().int(),
        paused: z.number().int(),
        stopped: z.number().int(),
      }),
    }),
  }),
  annotations: READ_ONLY,
  async handle(ctx) {
    const { host, store, version } = await getInfo(ctx.podman, ctx.signal);
    const distribution = [host.distribution?.distribution, host.distribution?.version]
      .filter(Boolean)
      .join(" ");
    const containers = store.containerStore;
    return {
      version: version.Version,
      api_version: version.APIVersion,
      host: {
        hostname: host.hostname,
        os: host.os,
        arch: host.arch,
        kernel: host.kernel,
        ...(distribution ? { distribution } : {}),
        cgroup_version: host.cgroupVersion,
        cgroup_manager: host.cgroupManager,
        rootless: host.security?.rootless ?? false,
        cpus: host.cpus,
        memory_total: host.memTotal,
        memory_free: host.memFree,
      },
      runtime: {
        name: host.ociRuntime?.name ?? "",
        version: runtimeVersion(host.ociRuntime?.version),
      },
      storage: {
        driver: store.graphDriverName,
        graph_root: store.graphRoot,
        ...(store.runRoot ? { run_root: store.runRoot } : {}),
        images: store.imageStore?.number ?? 0,
        containers: {
          total: containers?.number ?? 0,
          running: containers?.running ?? 0,
          paused: containers?.paused ?? 0,
          stopped: containers?.stopped ?? 0,
        },
      },
    };
  },
  render({ version, api_version, host, runtime, storage }) {
    const distribution = host.distribution ? `, ${host.distribution}` : "";
    const c = storage.containers;
    return [
      `Podman ${version} (API ${api_version}), ${host.rootless ? "rootless" : "rootful"}`,
      `host: ${host.hostname} ${host.os}/${host.arch}${distribution}, kernel ${host.kernel}, ` +
        `cgroup ${host.cgroup_version} (${host.cgroup_manager}), ${host.cpus} CPUs, ` +
        `memory ${formatBytes(host.memory_total)} total, ${formatBytes(host.memory_free)} free`,
      `runtime: ${runtime.name} ${runtime.version}`,
      `storage: ${storage.driver} at ${storage.graph_root}, ${storage.images} images, ` +
        `${c.total} containers (${c.running} running, ${c.paused} paused, ${c.stopped} stopped)`,
    ].join("\n");
  },
});
