import { McpPodmanError } from "../errors.js";

/** The server's container policy forbids what was asked; the message names the flag that allows it. */
export class PolicyRefusal extends McpPodmanError {
  readonly kind = "refused_by_policy";
}

/** "<what> are refused by policy: start mcp-podman with <flag> to allow them". */
export function refused(what: string, flag: string): PolicyRefusal {
  return new PolicyRefusal(
    `${what} are refused by policy: start mcp-podman with ${flag} to allow them`,
  );
}
