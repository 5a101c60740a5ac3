import * as z from "zod";
import { inspectContainer, topContainer } from "../../podman/containers.js";
import { maskUnlessShown, secretValuesIn } from "../../policy/secrets.js";
import { READ_ONLY } from "../annotations.js";
import { defineTool } from "../tool.js";
import { containerName } from "./lifecycle.js";
import { shortId } from "../../podman/ids.js";

/**
 * The format descriptors Podman reads from /proc itself. Any other word would
 * make Podman run the container's own ps with it, so only these are accepted.
 */
const DESCRIPTORS = [
  "pid",
  "ppid",
  "pgid",
  "user",
  "group",
  "ruser",
  "rgroup",
  "comm",
  "args",
  "state",
  "pcpu",
  "etime",
  "time",
  "stime",
  "tty",
  "nice",
  "vsz",
  "hpid",
  "huser",
] as const;

/** Long command lines are cut: an agent needs to recognise a process, not read its arguments in full. */
const MAX_CELL_CHARS = 200;

export const podmanTop = defineTool({
  name: "podman_top",
  family: "containers",
  title: "Container processes",
  description: "A running container's processes (`podman top`), secrets masked.",
  input: z.object({
    name: containerName,
    ps_args: z.array(z.enum(DESCRIPTORS)).min(1).max(DESCRIPTORS.length).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
  output: z.object({
    id: z.string().describe("Short id"),
    name: z.string(),
    titles: z.array(z.string()).describe("One per column"),
    processes: z.array(z.array(z.string())).describe("One row of cells per process"),
    total: z.number().int().describe("How many processes the container runs"),
    truncated: z.boolean().describe("true when processes were left out to stay within limit"),
  }),
  annotations: READ_ONLY,
  owns: { kind: "container", arg: "name" },
  async handle(ctx, { name, ps_args, limit }) {
    const container = await inspectContainer(ctx.podman, name, ctx.signal);
    const top = await topContainer(ctx.podman, container.Id, ps_args ?? [], ctx.signal);
    const rows = top.Processes ?? [];
    const kept = rows.slice(0, limit).map((row) => row.map(boundCell));
    return {
      id: shortId(container.Id),
      name: container.Name,
      titles: top.Titles,
      processes: maskUnlessShown(ctx, kept, ctx.showSecrets ? [] : secretValuesIn(container)),
      total: rows.length,
      truncated: rows.length > kept.length,
    };
  },
  render({ name, titles, processes, total, truncated }) {
    const lines = [titles.join("\t"), ...processes.map((row) => row.join("\t"))];
    if (truncated) lines.push(`(${processes.length} of ${total} processes of ${name} shown)`);
    return lines.join("\n");
  },
});

function boundCell(cell: string): string {
  const trimmed = cell.trim();
  return trimmed.length <= MAX_CELL_CHARS ? trimmed : `${trimmed.slice(0, MAX_CELL_CHARS)}…`;
}
