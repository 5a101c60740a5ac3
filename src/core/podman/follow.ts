import type { PodmanClient } from "./client.js";
import type { LogQuery } from "./containers.js";
import { decodeLogLines, type LogLine } from "./log-frames.js";

/** How a followed log stopped: Podman ended it (the container stopped), or the signal did. */
export type FollowEnd = "ended" | "aborted";

/**
 * Follows a container's log: Podman first sends the lines `query` selects
 * (tail, since), then each new line as the container writes it, and ends the
 * stream when the container stops. Aborting `signal` closes the request, so
 * nothing keeps reading in Podman. Failures not caused by the signal are
 * thrown as the client's typed errors.
 */
export async function followLogLines(
  podman: PodmanClient,
  nameOrId: string,
  query: LogQuery,
  signal: AbortSignal,
  onLine: (line: LogLine) => Promise<void> | void,
): Promise<FollowEnd> {
  const what = `Following the logs of ${nameOrId}`;
  try {
    const response = await podman.request(
      "GET",
      `/containers/${encodeURIComponent(nameOrId)}/logs`,
      { query: { ...query, follow: true }, signal, timeoutMs: 0, what },
    );
    if (!response.body) return "ended";
    for await (const line of decodeLogLines(response.body)) {
      if (signal.aborted) return "aborted";
      await onLine(line);
    }
    return signal.aborted ? "aborted" : "ended";
  } catch (error) {
    if (signal.aborted) return "aborted";
    throw podman.translateFailure(error, signal, undefined, what, 0);
  }
}
