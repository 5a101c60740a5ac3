import { describe, expect, it } from "vitest";
import { parseCompose } from "../../src/core/compose/parse.js";
import { buildRunSpec, runArguments } from "../../src/core/tools/containers/run-spec-builder.js";
import { checkComposeProject } from "../../src/core/policy/compose.js";
import { checkPlayNetwork } from "../../src/core/policy/joined.js";
import { PolicyRefusal } from "../../src/core/policy/refusal.js";
import { imageRegistry, registryAllowed } from "../../src/core/policy/registry.js";
import {
  applyResourceDefaults,
  bindAllowed,
  checkContainerSpec,
  checkVolumeOptions,
  enforceContainerSpec,
} from "../../src/core/policy/spec.js";
import { NO_HOST_FILES, policyWith, toolContext } from "./fixtures.js";
import type { ContainerPolicy } from "../../src/core/policy/policy.js";

const policy = policyWith;
const runSpec = (args: Record<string, unknown>) =>
  buildRunSpec(runArguments.parse({ image: "localhost/x", ...args }));
const refusal = (check: () => unknown) => {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyRefusal);
    return (error as PolicyRefusal).message;
  }
  throw new Error("expected a policy refusal");
};

describe("container spec checks", () => {
  it("refuses privileged containers unless --allow-privileged", () => {
    expect(refusal(() => checkContainerSpec(policy(), { privileged: true }))).toBe(
      "privileged containers are refused by policy: start mcp-podman with --allow-privileged to allow them",
    );
    expect(() =>
      checkContainerSpec(policy({ allowPrivileged: true }), { privileged: true }),
    ).not.toThrow();
    expect(() => checkContainerSpec(policy(), { privileged: false })).not.toThrow();
  });

  it("refuses added capabilities unless --allow-cap-add", () => {
    expect(refusal(() => checkContainerSpec(policy(), { cap_add: ["SYS_ADMIN"] }))).toBe(
      "added capabilities (SYS_ADMIN) are refused by policy: start mcp-podman with --allow-cap-add to allow them",
    );
    expect(() =>
      checkContainerSpec(policy({ allowCapAdd: true }), { cap_add: ["NET_ADMIN"] }),
    ).not.toThrow();
    expect(() => checkContainerSpec(policy(), { cap_add: [] })).not.toThrow();
  });

  it("refuses every host namespace unless --allow-host-namespaces", () => {
    expect(refusal(() => checkContainerSpec(policy(), runSpec({ network: "host" })))).toBe(
      "the host's network namespace for containers are refused by policy: start mcp-podman with --allow-host-namespaces to allow them",
    );
    for (const [field, which] of [
      ["pidns", "pid"],
      ["ipcns", "ipc"],
      ["utsns", "uts"],
      ["userns", "user"],
    ]) {
      expect(
        refusal(() => checkContainerSpec(policy(), { [field!]: { nsmode: "host" } })),
      ).toContain(`the host's ${which} namespace`);
    }
    expect(() =>
      checkContainerSpec(policy({ allowHostNamespaces: true }), runSpec({ network: "host" })),
    ).not.toThrow();
    expect(() => checkContainerSpec(policy(), runSpec({ network: "none" }))).not.toThrow();
    expect(() => checkContainerSpec(policy(), runSpec({ network: "bridge" }))).not.toThrow();
  });

  it("refuses devices unless --allow-devices", () => {
    expect(
      refusal(() => checkContainerSpec(policy(), { devices: [{ path: "/dev/fuse" }] })),
    ).toContain(
      "host devices (/dev/fuse) are refused by policy: start mcp-podman with --allow-devices",
    );
    expect(() =>
      checkContainerSpec(policy({ allowDevices: true }), { devices: [{ path: "/dev/fuse" }] }),
    ).not.toThrow();
  });

  it("refuses unconfined security options unless --allow-unconfined", () => {
    for (const spec of [
      { seccomp_policy: "unconfined" },
      { seccomp_profile_path: "unconfined" },
      { apparmor_profile: "unconfined" },
      { selinux_opts: ["disable"] },
    ]) {
      expect(refusal(() => checkContainerSpec(policy(), spec))).toContain("--allow-unconfined");
      expect(() => checkContainerSpec(policy({ allowUnconfined: true }), spec)).not.toThrow();
    }
  });

  it("refuses bind mounts outside the --allow-bind directories, named volumes are fine", () => {
    const spec = runSpec({ volumes: ["/:/host"] });
    expect(refusal(() => checkContainerSpec(policy(), spec))).toBe(
      'bind mounts of host paths are refused by policy, and "/" is under no allowed directory: ' +
        "start mcp-podman with --allow-bind DIR (DIR containing it) to allow it",
    );
    expect(() =>
      checkContainerSpec(policy({ allowBind: ["/srv"] }), runSpec({ volumes: ["/srv/a:/a"] })),
    ).not.toThrow();
    expect(() => checkContainerSpec(policy(), runSpec({ volumes: ["data:/data"] }))).not.toThrow();
    expect(() => checkContainerSpec(policy({ allowBind: ["/srv"] }), spec)).toThrow(PolicyRefusal);
  });

  it("matches bind paths by whole components and never through ..", () => {
    const allowed = policy({ allowBind: ["/srv/data/"] });
    expect(bindAllowed(allowed, "/srv/data")).toBe(true);
    expect(bindAllowed(allowed, "/srv/data/x/y")).toBe(true);
    expect(bindAllowed(allowed, "/srv//data/./x")).toBe(true);
    expect(bindAllowed(allowed, "/srv/database")).toBe(false);
    expect(bindAllowed(allowed, "/srv/data/../../etc")).toBe(false);
    expect(bindAllowed(allowed, "relative")).toBe(false);
    expect(bindAllowed(policy({ allowBind: ["/"] }), "/etc")).toBe(true);
  });

  it("checks the image's registry only when --allowed-registries is set", () => {
    const limited = policy({ allowedRegistries: ["quay.io", "docker.io/library"] });
    expect(() => checkContainerSpec(policy(), { image: "evil.example/x" })).not.toThrow();
    expect(() => checkContainerSpec(limited, { image: "quay.io/podman/hello" })).not.toThrow();
    expect(() => checkContainerSpec(limited, { image: "nginx:1.27" })).not.toThrow();
    expect(() => checkContainerSpec(limited, { image: "docker.io/library/nginx" })).not.toThrow();
    expect(refusal(() => checkContainerSpec(limited, { image: "someone/nginx" }))).toBe(
      'the image "someone/nginx" comes from docker.io, and images from registries other than ' +
        "quay.io, docker.io/library are refused by policy: start mcp-podman with " +
        "--allowed-registries including it to allow them",
    );
    expect(() => checkContainerSpec(limited, { image: "quay.io.evil/x" })).toThrow(PolicyRefusal);
  });

  it("recognises registries in references", () => {
    expect(imageRegistry("busybox")).toBe("docker.io");
    expect(imageRegistry("library/busybox")).toBe("docker.io");
    expect(imageRegistry("localhost/mcp/busybox:latest")).toBe("localhost");
    expect(imageRegistry("127.0.0.1:5000/x")).toBe("127.0.0.1:5000");
    expect(imageRegistry("ghcr.io/a/b@sha256:00")).toBe("ghcr.io");
    expect(registryAllowed(policy({ allowedRegistries: ["localhost"] }), "localhost/x")).toBe(true);
  });
});

describe("resource ceilings and defaults", () => {
  const capped = policy({ maxMemoryBytes: 512 * 1048576, maxCpus: 1, maxPids: 100 });

  it("fills the ceilings in as defaults when none is asked", () => {
    const spec = enforceContainerSpec(capped, runSpec({}));
    expect(spec.resource_limits).toEqual({
      memory: { limit: 512 * 1048576 },
      cpu: { quota: 100000, period: 100000 },
      pids: { limit: 100 },
    });
  });

  it("keeps what is asked within the ceilings", () => {
    const spec = enforceContainerSpec(capped, runSpec({ memory: "256m", cpus: 0.5 }));
    expect(spec.resource_limits).toEqual({
      memory: { limit: 256 * 1048576 },
      cpu: { quota: 50000, period: 100000 },
      pids: { limit: 100 },
    });
  });

  it("refuses requests above a ceiling, naming the flag", () => {
    expect(refusal(() => enforceContainerSpec(capped, runSpec({ memory: "1g" })))).toBe(
      "a memory limit of 1024m is above the ceiling of 512m set by --max-memory: ask for at most 512m, or start mcp-podman with a higher --max-memory",
    );
    expect(refusal(() => enforceContainerSpec(capped, runSpec({ cpus: 2 })))).toContain(
      "a CPU limit of 2 is above the ceiling of 1 set by --max-cpus",
    );
    expect(
      refusal(() => checkContainerSpec(capped, { resource_limits: { pids: { limit: 0 } } })),
    ).toContain("--max-pids");
  });

  it("leaves specs alone without ceilings", () => {
    expect(applyResourceDefaults(policy(), runSpec({})).resource_limits).toBeUndefined();
  });
});

describe("volume driver options", () => {
  it("treats bind-type volumes as bind mounts and device volumes as devices", () => {
    const bind = { type: "none", o: "bind", device: "/etc" };
    expect(refusal(() => checkVolumeOptions(policy(), bind))).toContain("--allow-bind");
    expect(() => checkVolumeOptions(policy({ allowBind: ["/etc"] }), bind)).not.toThrow();
    const disk = { type: "ext4", device: "/dev/sdb1" };
    expect(refusal(() => checkVolumeOptions(policy(), disk))).toContain("--allow-devices");
    expect(() => checkVolumeOptions(policy(), { type: "tmpfs", o: "size=1m" })).not.toThrow();
    expect(() => checkVolumeOptions(policy(), undefined)).not.toThrow();
  });
});

describe("compose projects", () => {
  const check = async (yaml: string, given = policy()) => {
    const project = parseCompose(yaml, { baseDir: "/srv/app" });
    await checkComposeProject(given, project, project.services, NO_HOST_FILES);
  };
  const service = (lines: string[]) =>
    ["services:", "  ok:", "    image: busybox", "  web:", "    image: busybox", ...lines].join(
      "\n",
    );

  it("refuses each covered key, naming the service", async () => {
    await expect(check(service(["    privileged: true"]))).rejects.toThrow(
      'service "web": privileged containers are refused by policy: start mcp-podman with --allow-privileged to allow them',
    );
    await expect(check(service(["    cap_add: [NET_ADMIN]"]))).rejects.toThrow(
      'service "web": added capabilities (NET_ADMIN) are refused',
    );
    await expect(check(service(["    volumes: ['/:/host']"]))).rejects.toThrow(
      'service "web": bind mounts of host paths are refused by policy, and "/" is under no allowed directory',
    );
    await expect(check(service(["    volumes: ['./site:/www']"]))).rejects.toThrow(
      '"/srv/app/site" is under no allowed directory',
    );
    await expect(
      check(service(["    mem_limit: 2g"]), policy({ maxMemoryBytes: 1048576 * 100 })),
    ).rejects.toThrow("--max-memory");
  });

  it("accepts what the flags allow", async () => {
    await check(service(["    privileged: true"]), policy({ allowPrivileged: true }));
    await check(
      [
        ...service(["    volumes: ['./site:/www', 'data:/data']"]).split("\n"),
        "volumes: {data: }",
      ].join("\n"),
      policy({ allowBind: ["/srv"] }),
    );
  });

  it("checks volume driver options and image registries", async () => {
    const bindVolume = [
      "services: {web: {image: busybox, volumes: ['v:/v']}}",
      "volumes: {v: {driver_opts: {type: none, o: bind, device: /etc}}}",
    ].join("\n");
    await expect(check(bindVolume)).rejects.toThrow('volume "v": bind mounts of host paths');
    await expect(check(service([]), policy({ allowedRegistries: ["quay.io"] }))).rejects.toThrow(
      'service "ok": the image "busybox" comes from docker.io',
    );
  });
});

describe("kube play network", () => {
  const ctx = (scope: "admin" | "operate", overrides: Partial<ContainerPolicy> = {}) =>
    toolContext({ policy: policy(overrides), access: { scope } });

  it("refuses the host's network forms unless --allow-host-namespaces", async () => {
    await expect(checkPlayNetwork(ctx("admin"), "host")).rejects.toThrow("--allow-host-namespaces");
    await expect(checkPlayNetwork(ctx("admin"), "bridge,ns:/proc/1/ns/net")).rejects.toThrow(
      PolicyRefusal,
    );
    await expect(checkPlayNetwork(ctx("admin"), "kube-net")).resolves.toBeUndefined();
    await expect(checkPlayNetwork(ctx("admin"), undefined)).resolves.toBeUndefined();
    await expect(
      checkPlayNetwork(ctx("admin", { allowHostNamespaces: true }), "host"),
    ).resolves.toBeUndefined();
  });

  it("lets a token held to ownership join the networks --allow-network lists without asking Podman", async () => {
    const listed = ctx("operate", { allowNetworks: ["podman", "shared"] });
    await expect(checkPlayNetwork(listed, "podman,shared,none")).resolves.toBeUndefined();
  });
});
