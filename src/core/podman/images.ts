import { PodmanRejected } from "../errors.js";
import type { PodmanClient } from "./client.js";
import { readJsonLines } from "./json-stream.js";

interface PullReport {
  stream?: string;
  error?: string;
  id?: string;
}

/**
 * Pulls an image unless it is already present; answers its id.
 * libpod answers 200 and streams reports; a failure arrives as an `error` report.
 */
export async function pullImage(
  podman: PodmanClient,
  reference: string,
  options: { signal: AbortSignal; timeoutMs: number; onMessage?: (line: string) => void },
): Promise<string> {
  const what = `Pulling ${reference}`;
  const response = await podman.request("POST", "/images/pull", {
    query: { reference, policy: "missing" },
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    what,
  });
  let id: string | undefined;
  try {
    for await (const value of readJsonLines(response.body)) {
      const report = value as PullReport;
      if (report.error)
        throw new PodmanRejected(`pulling ${reference} failed: ${report.error}`, 500);
      if (report.stream) options.onMessage?.(report.stream.trim());
      if (report.id) id = report.id;
    }
  } catch (error) {
    if (error instanceof PodmanRejected) throw error;
    throw podman.translateFailure(error, options.signal, undefined, what, options.timeoutMs);
  }
  if (!id) throw new PodmanRejected(`pulling ${reference} ended without an image id`, 500);
  return id;
}
