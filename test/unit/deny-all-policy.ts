import type { ContainerPolicy } from "../../src/core/policy/policy.js";

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
