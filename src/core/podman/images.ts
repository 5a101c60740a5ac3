import { shortId } from "./ids.js";
import { BadArgument, NotFound, PodmanRejected } from "../errors.js";
import { errorForStatus, type PodmanClient } from "./client.js";
import { readJsonLines } from "./json-stream.js";
import { type RegistryCredentials, registryAuthHeaders, scrubError } from "./registry-auth.js";

/** The fields of libpod's image list entries that we read (Podman 4.3 and 5.x). */
export interface ListedImage {
  Id: string;
  RepoTags: string[] | null;
  Created: number;
  Size: number;
  Containers?: number;
  Dangling?: boolean;
  Labels?: Record<string, string> | null;
}

export interface ImageFilters {
  reference?: string;
  dangling?: boolean;
  label?: string[];
}

const imagePath = (reference: string) => `/images/${encodeURIComponent(reference)}`;

export async function listImages(
  podman: PodmanClient,
  options: { all: boolean; filters?: ImageFilters },
  signal: AbortSignal,
): Promise<ListedImage[]> {
  const filters: Record<string, string[]> = {};
  if (options.filters?.reference) filters.reference = [options.filters.reference];
  if (options.filters?.dangling !== undefined)
    filters.dangling = [String(options.filters.dangling)];
  if (options.filters?.label?.length) filters.label = options.filters.label;
  const listed = await podman.json<ListedImage[] | null>("GET", "/images/json", {
    query: {
      all: options.all,
      filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined,
    },
    signal,
  });
  return listed ?? [];
}

export async function imageId(
  podman: PodmanClient,
  reference: string,
  signal: AbortSignal,
): Promise<string> {
  const inspected = await podman.json<{ Id: string }>("GET", `${imagePath(reference)}/json`, {
    signal,
  });
  return inspected.Id;
}

export interface LocalImage {
  id: string;
  /** The image defines a HEALTHCHECK (only docker-format images carry one). */
  hasHealthcheck: boolean;
}

/** The image in local storage, or undefined when it is not there. */
export async function localImage(
  podman: PodmanClient,
  reference: string,
  signal: AbortSignal,
): Promise<LocalImage | undefined> {
  try {
    const image = await podman.json<{
      Id: string;
      HealthCheck?: { Test?: string[] | null } | null;
    }>("GET", `${imagePath(reference)}/json`, { signal });
    const test = image.HealthCheck?.Test ?? [];
    return { id: image.Id, hasHealthcheck: test.length > 0 && test[0] !== "NONE" };
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

export interface RegistryOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** false for registries served over plain HTTP or with self-signed certificates. */
  tlsVerify?: boolean;
  auth?: RegistryCredentials;
  onMessage?: (line: string) => void;
}

export interface PullOptions extends RegistryOptions {
  /** "missing" (default) keeps a present image; "always" asks the registry again. */
  policy?: "missing" | "always" | "newer";
  /** "os/arch[/variant]", such as "linux/arm64". */
  platform?: string;
}

interface StreamReport {
  stream?: string;
  error?: string;
  id?: string;
}

/**
 * Pulls an image (unless present with the default policy); answers its id.
 * libpod answers 200 and streams reports; a failure arrives as an `error` report.
 */
export async function pullImage(
  podman: PodmanClient,
  reference: string,
  options: PullOptions,
): Promise<string> {
  let id: string | undefined;
  await streamRegistryOperation(
    podman,
    `Pulling ${reference}`,
    "/images/pull",
    {
      reference,
      policy: options.policy ?? "missing",
      tlsVerify: options.tlsVerify,
      ...platformQuery(options.platform),
    },
    options,
    (report) => {
      if (report.id) id = report.id;
    },
  );
  if (!id) throw new PodmanRejected(`pulling ${reference} ended without an image id`, 500);
  return id;
}

/** Pushes a local image to `destination` (default: its own name). */
export async function pushImage(
  podman: PodmanClient,
  reference: string,
  options: RegistryOptions & { destination?: string },
): Promise<void> {
  const destination = options.destination ?? reference;
  await streamRegistryOperation(
    podman,
    `Pushing ${reference} to ${destination}`,
    `${imagePath(reference)}/push`,
    // quiet=false makes libpod stream progress; quiet (the 4.x default) answers an empty 200.
    { destination, tlsVerify: options.tlsVerify, quiet: false },
    options,
    () => undefined,
  );
}

async function streamRegistryOperation(
  podman: PodmanClient,
  what: string,
  path: string,
  query: Record<string, string | boolean | undefined>,
  options: RegistryOptions,
  onReport: (report: StreamReport) => void,
): Promise<void> {
  try {
    const response = await podman.request("POST", path, {
      query,
      headers: registryAuthHeaders(options.auth),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      what,
    });
    try {
      for await (const value of readJsonLines(response.body)) {
        const report = value as StreamReport;
        if (report.error) throw registryFailure(`${what} failed: ${report.error.trim()}`);
        if (report.stream) options.onMessage?.(report.stream.trim());
        onReport(report);
      }
    } catch (error) {
      throw podman.translateFailure(error, options.signal, undefined, what, options.timeoutMs);
    }
  } catch (error) {
    throw scrubError(error, options.auth);
  }
}

/** A registry saying the image or tag does not exist is a NotFound the caller can act on. */
function registryFailure(message: string): Error {
  if (/manifest unknown|name unknown|not found/i.test(message)) return new NotFound(message);
  return errorForStatus(500, message);
}

function platformQuery(platform: string | undefined): Record<string, string> {
  if (!platform) return {};
  const [os, arch, variant, ...rest] = platform.split("/");
  if (!os || rest.length > 0) {
    throw new BadArgument(`platform "${platform}" is not "os/arch[/variant]" (e.g. "linux/amd64")`);
  }
  // libpod's pull takes OS, Arch and Variant as separate parameters.
  return { OS: os, ...(arch ? { Arch: arch } : {}), ...(variant ? { Variant: variant } : {}) };
}

/** "repo[:tag]" split for POST /images/{name}/tag; a colon before the last "/" is a registry port. */
export function splitRepositoryTag(target: string): { repo: string; tag: string } {
  if (target.includes("@")) {
    throw new BadArgument(`"${target}" is a digest reference: a tag target is "repository[:tag]"`);
  }
  const colon = target.lastIndexOf(":");
  if (colon > target.lastIndexOf("/")) {
    return { repo: target.slice(0, colon), tag: target.slice(colon + 1) };
  }
  return { repo: target, tag: "latest" };
}

export async function tagImage(
  podman: PodmanClient,
  source: string,
  target: string | { repo: string; tag: string },
  signal: AbortSignal,
): Promise<void> {
  const { repo, tag } = typeof target === "string" ? splitRepositoryTag(target) : target;
  await podman.request("POST", `${imagePath(source)}/tag`, {
    query: { repo, tag },
    signal,
    what: `Tagging ${source} as ${repo}:${tag}`,
  });
}

export interface RemovedImage {
  untagged: string[];
  deleted: string[];
}

export async function removeImage(
  podman: PodmanClient,
  reference: string,
  force: boolean,
  signal: AbortSignal,
): Promise<RemovedImage> {
  const report = await podman.json<{
    Untagged?: string[] | null;
    Deleted?: string[] | null;
    Errors?: string[] | null;
  }>("DELETE", imagePath(reference), { query: { force }, signal });
  if (report?.Errors?.length) throw errorForStatus(500, report.Errors.join("; "));
  return { untagged: report?.Untagged ?? [], deleted: report?.Deleted ?? [] };
}

export interface PruneReport {
  pruned: { id: string; size: number }[];
  /** Images Podman could not remove, as "SHORT_ID: reason". */
  errors: string[];
}

/** Prunes dangling images, or every image no container uses when `all`. */
export async function pruneImages(
  podman: PodmanClient,
  options: { all: boolean; labels?: string[] },
  signal: AbortSignal,
): Promise<PruneReport> {
  const filters = options.labels?.length ? JSON.stringify({ label: options.labels }) : undefined;
  const reports = await podman.json<{ Id: string; Size?: number; Err?: string | null }[] | null>(
    "POST",
    "/images/prune",
    { query: { all: options.all, filters }, signal, what: "Pruning images" },
  );
  const pruned: PruneReport["pruned"] = [];
  const errors: string[] = [];
  for (const report of reports ?? []) {
    if (report.Err) errors.push(`${shortId(report.Id)}: ${report.Err}`);
    else pruned.push({ id: report.Id, size: report.Size ?? 0 });
  }
  return { pruned, errors };
}

export interface ImageOrigin {
  id: string;
  /** Its tags and the repositories of its digests. */
  names: string[];
  labels: Record<string, string>;
}

/** What an image is called and labelled, to judge where it came from. */
export async function imageOrigin(
  podman: PodmanClient,
  reference: string,
  signal: AbortSignal,
): Promise<ImageOrigin> {
  const inspected = await podman.json<{
    Id: string;
    RepoTags?: string[] | null;
    RepoDigests?: string[] | null;
    Labels?: Record<string, string> | null;
  }>("GET", `${imagePath(reference)}/json`, { signal });
  const digested = (inspected.RepoDigests ?? []).map((name) => name.replace(/@.*$/, ""));
  return {
    id: inspected.Id,
    names: [...(inspected.RepoTags ?? []), ...digested],
    labels: inspected.Labels ?? {},
  };
}
