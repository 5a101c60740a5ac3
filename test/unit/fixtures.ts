import { PodmanClient } from "../../src/core/podman/client.js";
import type { ContainerPolicy } from "../../src/core/policy/policy.js";
import type { HostFiles } from "../../src/core/contracts.js";
import type { ToolContext } from "../../src/core/tools/tool.js";

/** The server's default policy: every rule refused, no ceilings, nothing readable. */
export const DENY_ALL: ContainerPolicy = {
  allowPrivileged: false,
  allowCapAdd: false,
  allowHostNamespaces: false,
  allowDevices: false,
  allowUnconfined: false,
  allowBind: [],
  allowRead: [],
  allowBuildNetwork: false,
  allowNetworks: ["podman"],
  allowedRegistries: undefined,
  maxMemoryBytes: undefined,
  maxCpus: undefined,
  maxPids: undefined,
  managedOnly: false,
};

/** The default policy with some rules changed. */
export const policyWith = (overrides: Partial<ContainerPolicy> = {}): ContainerPolicy => ({
  ...DENY_ALL,
  ...overrides,
});

const noHostFile = () => Promise.reject(new Error("no host files in unit tests"));

/** Host files that refuse every read: pure logic never reaches the disk. */
export const NO_HOST_FILES: HostFiles = {
  readFile: noHostFile,
  readTextFile: noHostFile,
  realPath: noHostFile,
  walk: () => ({ [Symbol.asyncIterator]: () => ({ next: noHostFile }) }),
};

/** A tool context for an admin caller under the default policy, with no Podman behind it. */
export const toolContext = (overrides: Partial<ToolContext> = {}): ToolContext => ({
  podman: new PodmanClient({
    fetch: () => Promise.reject(new Error("no Podman in unit tests")),
    socket: "/nowhere.sock",
    timeoutMs: 1000,
  }),
  files: NO_HOST_FILES,
  signal: new AbortController().signal,
  progress: async () => {},
  policy: DENY_ALL,
  access: { scope: "admin" },
  showSecrets: false,
  timeLimits: { maxFollowSeconds: 2, maxWaitSeconds: 2 },
  probeTcp: () => Promise.reject(new Error("no network in unit tests")),
  ...overrides,
});
