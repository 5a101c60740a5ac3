import { shortId } from "../podman/ids.js";
import { maskUnlessShown } from "../policy/secrets.js";
import type { CallContext } from "../call-context.js";
import { composeStatus, containerState, listProjectContainers } from "./describe.js";
import { LABEL } from "./names.js";

export interface PsEntry {
  service: string;
  name: string;
  id: string;
  state: string;
  status: string;
  health?: string;
  exit_code?: number;
  ports: string[];
}

/** `docker compose ps -a`: every container of the project, by service. */
export async function composePs(ctx: CallContext, project: string): Promise<PsEntry[]> {
  const containers = await listProjectContainers(ctx.podman, project, ctx.signal);
  const now = Date.now();
  const entries: PsEntry[] = [];
  for (const container of containers) {
    const details = await containerState(ctx.podman, container.Id, ctx.signal);
    if (!details) continue; // removed between the list and the inspect
    entries.push({
      service: container.Labels?.[LABEL.service] ?? "",
      name: container.Names[0] ?? "",
      id: shortId(container.Id),
      state: details.state,
      status: composeStatus(container, now),
      ...(details.health ? { health: details.health } : {}),
      ...(details.exit_code !== undefined ? { exit_code: details.exit_code } : {}),
      ports: details.ports,
    });
  }
  entries.sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
  return maskUnlessShown(ctx, entries);
}
