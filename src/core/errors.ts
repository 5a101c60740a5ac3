/**
 * One error type per situation a user can act on. They are turned into
 * `isError` tool results in exactly one place (the tool call wrapper in mcp/server.ts).
 */
export abstract class McpPodmanError extends Error {
  abstract readonly kind: string;
}

/** The container, image, pod or volume does not exist. */
export class NotFound extends McpPodmanError {
  readonly kind = "not_found";
}

/** The request conflicts with the current state: name in use, container not running, ... */
export class Conflict extends McpPodmanError {
  readonly kind = "conflict";
}

/** Podman refused the request as malformed or impossible (bad reference, bad spec, port taken). */
export class PodmanRejected extends McpPodmanError {
  readonly kind = "podman_error";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The socket is missing or refuses connections: nothing was done. */
export class PodmanUnreachable extends McpPodmanError {
  readonly kind = "unreachable";
  constructor(
    readonly socket: string,
    detail: string,
  ) {
    super(`Podman unreachable at ${socket}: ${detail}`);
  }
}

/** No answer in time: Podman may still carry the request out. */
export class PodmanTimeout extends McpPodmanError {
  readonly kind = "timeout";
  constructor(what: string, limitMs: number) {
    const limit = limitMs < 1000 ? `${limitMs}ms` : `${Math.round(limitMs / 1000)}s`;
    super(
      `${what} got no answer from Podman within ${limit} and may have completed: check the state before retrying`,
    );
  }
}

/** The caller's arguments cannot be turned into a request. */
export class BadArgument extends McpPodmanError {
  readonly kind = "bad_argument";
}

/** The client cancelled the call. */
export class Cancelled extends McpPodmanError {
  readonly kind = "cancelled";
}
