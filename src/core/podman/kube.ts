import { shortId } from "./ids.js";
import { NotFound, PodmanRejected } from "../errors.js";
import type { PodmanClient } from "./client.js";
import { FORCED_REMOVAL_MARGIN_MS, describeReportError } from "./removal.js";

/** Playing pulls the images it lacks, which can take minutes. */
const PLAY_TIMEOUT_MS = 10 * 60 * 1000;

/** libpod's answer to POST /play/kube (the fields we read, Podman 4.3 and 5.x). */
export interface PlayKubeReport {
  Pods?: { ID: string; ContainerErrors?: string[] | null }[] | null;
  Volumes?: { Name: string }[] | null;
}

/** libpod's answer to DELETE /play/kube. */
export interface TeardownKubeReport {
  RmReport?: { Id: string; Err?: unknown }[] | null;
}

export interface PlayedPod {
  Id: string;
  Name: string;
  State: string;
  InfraContainerID?: string;
  Containers?: { Id: string; Name: string; State: string }[] | null;
}

export async function generateKube(
  podman: PodmanClient,
  names: string[],
  service: boolean,
  signal: AbortSignal,
): Promise<string> {
  const path = "/generate/kube";
  try {
    const response = await podman.request("GET", path, {
      query: { names, service },
      signal,
      what: "Generating the YAML",
    });
    return await podman.readText(response, { signal }, "GET", path);
  } catch (error) {
    // Podman 4.3 answers an unknown name with a 500.
    if (error instanceof PodmanRejected && /not found/i.test(error.message)) {
      throw new NotFound(error.message);
    }
    throw error;
  }
}

const yamlBody = (yaml: string) => ({
  body: new TextEncoder().encode(yaml),
  // Podman 5 reads an application/x-tar body (the client's default for bytes) as an archive.
  headers: { "content-type": "application/x-yaml" },
});

export async function playKube(
  podman: PodmanClient,
  yaml: string,
  options: { start: boolean; network?: string },
  signal: AbortSignal,
): Promise<PlayKubeReport> {
  const report = await podman.json<PlayKubeReport | undefined>("POST", "/play/kube", {
    ...yamlBody(yaml),
    query: { start: options.start, network: options.network },
    signal,
    timeoutMs: PLAY_TIMEOUT_MS,
    what: "Playing the Kubernetes YAML",
  });
  return report ?? {};
}

/** Stops and removes the pods (and their containers) that the YAML describes; answers their ids. */
export async function teardownKube(
  podman: PodmanClient,
  yaml: string,
  signal: AbortSignal,
): Promise<string[]> {
  const report = await podman.json<TeardownKubeReport | undefined>("DELETE", "/play/kube", {
    ...yamlBody(yaml),
    signal,
    timeoutMs: podman.timeoutMs + FORCED_REMOVAL_MARGIN_MS,
    what: "Tearing down the Kubernetes YAML",
  });
  const failures = (report?.RmReport ?? [])
    .filter((entry) => entry.Err)
    .map((entry) => `pod ${shortId(entry.Id)}: ${describeReportError(entry.Err)}`);
  if (failures.length) {
    throw new PodmanRejected(`Tearing down failed for ${failures.join("; ")}`, 500);
  }
  return (report?.RmReport ?? []).map((entry) => entry.Id);
}

export function inspectPlayedPod(
  podman: PodmanClient,
  id: string,
  signal: AbortSignal,
): Promise<PlayedPod> {
  return podman.json<PlayedPod>("GET", `/pods/${encodeURIComponent(id)}/json`, { signal });
}
