import type { PodmanClient } from "./client.js";
import { type ReadMember, TarFormatError, type TarMember, readTar } from "./tar-reader.js";

const archivePath = (nameOrId: string) => `/containers/${encodeURIComponent(nameOrId)}/archive`;

/**
 * Extracts a tar into the container at `path` (a directory that exists; "/"
 * always does). Missing parents of members are created 0755. The container
 * is not paused: a running workload keeps running while its files change.
 */
export async function putArchive(
  podman: PodmanClient,
  nameOrId: string,
  path: string,
  archive: Uint8Array,
  signal: AbortSignal,
): Promise<void> {
  const response = await podman.request("PUT", archivePath(nameOrId), {
    query: { path, pause: false },
    body: archive,
    signal,
    what: `Copying files into ${nameOrId}`,
  });
  await response.body?.cancel();
}

/**
 * The members of a tar of `path` in the container, streamed: a file comes as
 * one member named after it, a directory as itself then everything below it,
 * each prefixed with its name. Symlinks on the way are followed inside the
 * container's root. Stopping the iteration ends the transfer.
 */
export async function* readArchive(
  podman: PodmanClient,
  nameOrId: string,
  path: string,
  keep: (member: TarMember) => number,
  signal: AbortSignal,
): AsyncGenerator<ReadMember> {
  const what = `Copying ${path} out of ${nameOrId}`;
  const options = { query: { path }, signal, what };
  const response = await podman.request("GET", archivePath(nameOrId), options);
  if (!response.body) return;
  try {
    yield* readTar(response.body, keep);
  } catch (error) {
    if (error instanceof TarFormatError) throw error;
    throw podman.translateFailure(error, signal, undefined, what, podman.timeoutMs);
  }
}
