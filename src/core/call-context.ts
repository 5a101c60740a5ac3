import type { HostFiles, ProbeTcp } from "./contracts.js";
import type { Access } from "./mcp/access.js";
import type { PodmanClient } from "./podman/client.js";
import type { ContainerPolicy } from "./policy/policy.js";

/**
 * What the work of one call gets: the Podman client, host files, the call's
 * abort signal and a progress reporter. Defined below tools/ so that compose
 * and policy, which do that work for the tools, need nothing from above them.
 */
export interface CallContext {
  podman: PodmanClient;
  files: HostFiles;
  signal: AbortSignal;
  progress(message: string, progress?: number, total?: number): Promise<void>;
  /** What the server lets any caller create, and who owns what. */
  policy: ContainerPolicy;
  /** Who is calling. */
  access: Access;
  /** --show-secrets: inspect shows the values of secret-looking environment variables. */
  showSecrets: boolean;
  /** The longest a call may follow logs or wait: --max-follow-seconds, --max-wait-seconds. */
  timeLimits: TimeLimits;
  probeTcp: ProbeTcp;
}

export interface TimeLimits {
  maxFollowSeconds: number;
  maxWaitSeconds: number;
}
