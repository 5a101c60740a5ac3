import { removeContainer } from "../podman/containers.js";
import type { CallContext } from "../call-context.js";
import { removeNetwork } from "../podman/networks.js";
import { removeVolume } from "../podman/volumes.js";

const ROLLBACK_TIMEOUT_MS = 60_000;

/** What one `up` call created or replaced, so a failure half-way can be undone. */
export class UpChanges {
  readonly containers: { id: string; name: string }[] = [];
  readonly networks: string[] = [];
  readonly volumes: string[] = [];
  /** Containers removed to be recreated: a rollback cannot bring them back. */
  readonly replaced: string[] = [];

  /**
   * Removes what this call created (containers, then networks, then volumes),
   * and says so in the error's message, along with anything it could not remove.
   */
  async rollBack(ctx: CallContext, error: unknown): Promise<unknown> {
    if (!(error instanceof Error)) return error;
    // The call's own signal may be the reason we are here (cancelled): undo regardless.
    const signal = AbortSignal.timeout(ROLLBACK_TIMEOUT_MS);
    const removed: string[] = [];
    const left: string[] = [];
    const attempt = async (what: string, remove: () => Promise<unknown>) => {
      try {
        await remove();
        removed.push(what);
      } catch (failure) {
        left.push(`${what} (${failure instanceof Error ? failure.message : String(failure)})`);
      }
    };
    for (const { id, name } of [...this.containers].reverse()) {
      await attempt(`container ${name}`, () =>
        removeContainer(ctx.podman, id, { force: true, volumes: true, timeoutSeconds: 0 }, signal),
      );
    }
    for (const name of [...this.networks].reverse()) {
      await attempt(`network ${name}`, () =>
        removeNetwork(ctx.podman, name, { force: false }, signal),
      );
    }
    for (const name of [...this.volumes].reverse()) {
      await attempt(`volume ${name}`, () =>
        removeVolume(ctx.podman, name, { force: false }, signal),
      );
    }
    const notes = [
      removed.length
        ? `rolled back what this call created: removed ${removed.join(", ")}`
        : "this call had created nothing",
    ];
    if (left.length) notes.push(`could not remove ${left.join(", ")}: remove them by hand`);
    if (this.replaced.length) {
      notes.push(
        `the previous containers ${this.replaced.join(", ")} had been removed to be recreated`,
      );
    }
    // Keeps the error's type (and so its kind) while telling what state it left.
    error.message = `${error.message.replace(/(?<![.\s])[.\s]+$/, "")}; ${notes.join("; ")}`;
    return error;
  }
}
