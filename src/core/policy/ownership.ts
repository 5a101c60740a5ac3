import { Conflict, NotFound } from "../errors.js";
import type { PodmanClient } from "../podman/client.js";
import { inspectContainer } from "../podman/containers.js";
import { inspectNetwork } from "../podman/networks.js";
import { inspectPod } from "../podman/pods.js";
import { inspectSecret } from "../podman/secrets.js";
import { createVolume, inspectVolume, removeVolume } from "../podman/volumes.js";
import type { CallContext } from "../call-context.js";
import { MANAGED_LABEL } from "./policy.js";
import { PolicyRefusal } from "./refusal.js";

export type OwnedKind = "container" | "pod" | "volume" | "network" | "secret";

/** The labels that mark what this server creates. */
export const managedLabels = (): Record<string, string> => ({ [MANAGED_LABEL]: "true" });

/** Adds the managed label to a label map (the caller's labels cannot unset it). */
export const withManagedLabel = (labels: Record<string, string> | undefined) => ({
  ...labels,
  ...managedLabels(),
});

type Inspect = (podman: PodmanClient, name: string, signal: AbortSignal) => Promise<Labelled>;

const INSPECT: Record<OwnedKind, Inspect> = {
  container: inspectContainer,
  pod: inspectPod,
  volume: inspectVolume,
  network: inspectNetwork,
  secret: inspectSecret,
};

interface Labelled {
  Labels?: Record<string, string> | null;
  labels?: Record<string, string> | null;
  Config?: { Labels?: Record<string, string> | null };
  Spec?: { Labels?: Record<string, string> | null };
}

function labelsOf(document: Labelled): Record<string, string> {
  return (
    document.Config?.Labels ?? document.Spec?.Labels ?? document.Labels ?? document.labels ?? {}
  );
}

/** Whether this caller must prove the object is managed before changing it. */
export function ownershipRequired(ctx: Pick<CallContext, "access" | "policy">): boolean {
  return ctx.access.scope !== "admin" || ctx.policy.managedOnly;
}

/**
 * Refuses to change an object this server did not create, unless the caller
 * is an admin and --managed-only is not set. Runs before the mutating call.
 */
export async function checkOwnership(
  ctx: CallContext,
  kind: OwnedKind,
  name: string,
): Promise<void> {
  if (!ownershipRequired(ctx)) return;
  const document = await INSPECT[kind](ctx.podman, name, ctx.signal);
  if (labelsOf(document)[MANAGED_LABEL] === "true") return;
  throw foreignObjectRefusal(ctx, kind, name);
}

export function foreignObjectRefusal(
  ctx: Pick<CallContext, "policy">,
  kind: OwnedKind,
  name: string,
): PolicyRefusal {
  return new PolicyRefusal(
    ctx.policy.managedOnly
      ? `the ${kind} "${name}" was not created by mcp-podman: with --managed-only no token may ` +
          `change objects mcp-podman did not create`
      : `the ${kind} "${name}" was not created by mcp-podman: an operate token may only change ` +
          `objects mcp-podman created; an admin token may change anything (unless --managed-only)`,
  );
}

/** checkOwnership for each object that exists; the missing ones are nobody's. */
export async function checkOwnershipIfExists(
  ctx: CallContext,
  kind: OwnedKind,
  names: readonly string[],
): Promise<void> {
  if (!ownershipRequired(ctx)) return;
  for (const name of names) {
    try {
      await checkOwnership(ctx, kind, name);
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
    }
  }
}

/**
 * The named volumes a new container mounts: each must be the server's own, or
 * does not exist yet and is created now with the managed label (Podman would
 * create it unlabelled: foreign from then on, even to the caller who asked
 * for it). Answers the names it created; on a refusal it removes them again.
 */
export async function claimVolumes(ctx: CallContext, names: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  try {
    for (const name of new Set(names)) {
      const labels = await existingVolumeLabels(ctx, name);
      if (labels === undefined) {
        created.push(name);
        continue;
      }
      if (ownershipRequired(ctx) && labels[MANAGED_LABEL] !== "true")
        throw foreignObjectRefusal(ctx, "volume", name);
    }
  } catch (error) {
    await releaseVolumes(ctx, created);
    throw error;
  }
  return created;
}

/** The labels of an existing volume; undefined when it did not exist and is created now. */
async function existingVolumeLabels(ctx: CallContext, name: string) {
  const inspect = () => inspectVolume(ctx.podman, name, ctx.signal);
  try {
    return labelsOf(await inspect());
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
  }
  try {
    await createVolume(ctx.podman, { Name: name, Labels: managedLabels() }, ctx.signal);
    return undefined;
  } catch (error) {
    // Someone else created it meanwhile: theirs, and judged as any other.
    if (!(error instanceof Conflict)) throw error;
  }
  return labelsOf(await inspect());
}

/** Removes volumes claimVolumes created for a container that then never ran. */
export async function releaseVolumes(ctx: CallContext, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await removeVolume(ctx.podman, name, { force: false }, AbortSignal.timeout(10_000)).catch(
      () => undefined,
    );
  }
}
